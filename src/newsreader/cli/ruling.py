"""``newsreader rules apply`` and ``newsreader rules test RULE``: config.toml's ``[[rules]]``
applied to what is stored, or one rule tried on it without changing anything."""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from typing import TYPE_CHECKING

from newsreader.cli.common import open_library
from newsreader.library.paths import Locations
from newsreader.models import UsageError
from newsreader.text.sanitize import clean_line

if TYPE_CHECKING:  # the rules' module (and its regex engine) loads when a rule is read
    from newsreader.library.rules import Rule, RuleSet, Verdict


def say_rule_problems(ruleset: RuleSet) -> None:
    for line in ruleset.problems:
        print(f"newsreader: config: {line}", file=sys.stderr)


def cmd_rules(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.library.config import load
    from newsreader.library.rules import RuleSet
    from newsreader.library.ruling import config_ruleset

    library = open_library(loc)
    if args.rules_command == "apply":
        ruleset = config_ruleset(load(loc.config_file))
        say_rule_problems(ruleset)
        done = library.apply_rules(ruleset)
        say_rule_problems(RuleSet(problems=list(done.problems)))
        print(
            f"{done.blocked} blocked, {done.marked_read} marked read, {done.tagged} tagged"
            f" ({len(ruleset.rules)} rules)"
        )
        return 1 if done.problems or ruleset.problems else 0
    ruleset = RuleSet(rules=[_rule_argument(args.rule)])
    found = library.try_rules(ruleset, args.feed)
    for article_id, feed_title, title, verdict in found:
        if args.json:
            print(json.dumps({"id": article_id, "feed": feed_title, "title": title,
                              "does": _does(verdict)}, ensure_ascii=False))  # fmt: skip
        else:
            print(f"{article_id:>7}  {_does(verdict):<10} {clean_line(feed_title)[:20]:<20}  "
                  f"{clean_line(title)}")  # fmt: skip
    say_rule_problems(ruleset)
    print(f"{len(found)} stored articles", file=sys.stderr)
    return 1 if ruleset.problems else 0


def _does(verdict: Verdict) -> str:
    if verdict.blocked_by:
        return "block"
    done = (["mark_read"] if verdict.mark_read else []) + [f"tag:{t}" for t in verdict.tags]
    return ",".join(done)


def _rule_argument(written: str) -> Rule:
    """A rule as written on the command line: the keys of a ``[[rules]]`` table, as TOML
    (``'title = "AI", action = "block"'``); the action is block unless it says."""
    from newsreader.library.rules import RuleError, read_rule

    try:
        table = tomllib.loads(f"rule = {{{written}}}")["rule"]
    except tomllib.TOMLDecodeError:
        try:  # the keys one to a line, as in config.toml
            table = tomllib.loads(written)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"cannot read the rule: {exc}") from None
    try:
        return read_rule(table, "the rule")
    except RuleError as exc:
        raise UsageError(str(exc)) from None


def add_rules_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="apply config.toml's rules to stored articles, or try one")
    actions = p.add_subparsers(dest="rules_command", required=True)
    actions.add_parser("apply", help="apply every rule to what is stored (after a change)")
    t = actions.add_parser("test", help="what a rule would block, mark or tag; changes nothing")
    t.add_argument("rule", help="the rule's keys, e.g. 'title = \"\\bAI\\b\"' (TOML)")
    t.add_argument("--feed", help="only this feed (URL, id or title)")
    t.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rules)
