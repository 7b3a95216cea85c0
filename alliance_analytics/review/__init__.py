"""The portfolio review: renew, restructure or exit alliances in flight."""
