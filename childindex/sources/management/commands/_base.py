"""What the feed, links and linkage commands share: one-line errors, never a traceback."""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser


class OneLineCommand(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        _one_line_errors(parser)
        return parser


def _one_line_errors(parser: CommandParser) -> None:
    def one_line_error(message: str) -> NoReturn:
        if getattr(parser, "called_from_command_line", False):
            parser.exit(2, f"{parser.prog}: error: {message}\n")
        raise CommandError(f"Error: {message}")

    parser.error = one_line_error  # type: ignore[method-assign]


def subparsers(parser: CommandParser, *, dest: str = "action"):
    """Subcommands whose argument errors are one line too."""
    subs = parser.add_subparsers(
        dest=dest, required=True, parser_class=CommandParser, metavar="ACTION"
    )

    original = subs.add_parser

    def add_parser(name: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault(
            "called_from_command_line", getattr(parser, "called_from_command_line", False)
        )
        sub = original(name, **kwargs)
        _one_line_errors(sub)
        return sub

    subs.add_parser = add_parser  # type: ignore[method-assign]
    return subs
