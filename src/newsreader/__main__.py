from newsreader.cli import main

raise SystemExit(main())
