"""Commands for backup and restore (issue 9)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to `fanxiu`."""


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {}
