"""Text: untrusted text made safe, HTML turned into blocks, search words, the phrases shown."""
