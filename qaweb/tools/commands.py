import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from qaweb.extensions import db
from qaweb.tools import services
from qaweb.tools.models import Tool

tools_cli = AppGroup("tools", help="Load and export QA tools.")


@tools_cli.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--publish", is_flag=True, help="Publish each version once loaded.")
def load(paths, publish):
    """Load tool files. Every file is checked first; if any has problems, none is loaded."""
    try:
        results = services.load_files(paths, publish=publish)
    except services.FilesRefused as refused:
        for name, problems in refused.problems.items():
            click.echo(f"{name}:", err=True)
            for problem in problems:
                click.echo(f"  {problem}", err=True)
        raise click.ClickException("Nothing was loaded.") from None
    except services.ToolRefused as error:
        db.session.rollback()
        raise click.ClickException(f"{error} Nothing was loaded.") from None
    db.session.commit()
    for name, version, outcome in results:
        click.echo(f"{outcome:>9}  {version.tool.key} version {version.number}  ({name})")


@tools_cli.command("export")
@click.argument("tool_or_kind")
@click.option("--version", "number", type=int, help="A version number (default: the latest).")
def export(tool_or_kind, number):
    """Write a tool version back as YAML (by tool key, or by kind when there is one tool)."""
    tool = db.session.scalar(select(Tool).where(Tool.key == tool_or_kind))
    if tool is None:
        matches = list(db.session.scalars(select(Tool).where(Tool.kind == tool_or_kind)))
        if len(matches) > 1:
            keys = ", ".join(t.key for t in matches)
            raise click.ClickException(f"Several {tool_or_kind} tools: name one of {keys}")
        tool = matches[0] if matches else None
    if tool is None:
        raise click.ClickException(f"No tool or kind called '{tool_or_kind}'")
    version = tool.current or tool.latest
    if number is not None:
        version = next((v for v in tool.versions if v.number == number), None)
        if version is None:
            raise click.ClickException(f"{tool.name} has no version {number}")
    sys.stdout.write(services.to_yaml(version.definition))
