"""Shared fixtures: each real peer lives in its own module under tests/peers/."""

pytest_plugins = [
    "tests.peers.database",
    "tests.peers.mailserver",
    "tests.peers.botapi",
    "tests.peers.sandbox",
]
