"""The `kroll` command line. Modules here stay light: `kroll up` imports the server lazily."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

USAGE_ERROR = 2


class _Group(click.Group):
    def main(self, *args, **kwargs):  # one clear line on stderr for usage errors, exit code 2
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(0)
        except click.UsageError as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(USAGE_ERROR)
        except click.exceptions.Abort:
            sys.exit(130)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kroll")
def cli() -> None:
    """kroll: Kubernetes rollouts and rollbacks, real, fast and safe."""


@cli.command()
@click.option("--data-dir", envvar="KROLL_DATA_DIR", default=lambda: str(Path.home() / ".kroll"),
              show_default="~/.kroll", help="Where state, certificates and the kubeconfig live.")
@click.option("--port", envvar="KROLL_PORT", default=6443, show_default=True,
              type=click.IntRange(0, 65535), help="HTTPS port on 127.0.0.1 (0 picks a free port).")
@click.option("--nodes", envvar="KROLL_NODES", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="Number of virtual nodes the node agent serves.")
@click.option("--runtime", envvar="KROLL_RUNTIME", default="sim", show_default=True,
              type=click.Choice(["sim"]), help="How pods run: sim (simulated containers).")
@click.option("--fast", is_flag=True, envvar="KROLL_FAST",
              help="SQLite synchronous=NORMAL: faster, may lose the last writes on power loss.")
def up(data_dir: str, port: int, nodes: int, runtime: str, fast: bool) -> None:
    """Start the control plane in the foreground (API server, controllers, node agent)."""
    from kroll.cli.up import UsageProblem, run

    try:
        run(data_dir=Path(os.path.expanduser(data_dir)), port=port, nodes=nodes, runtime=runtime, fast=fast)
    except UsageProblem as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(USAGE_ERROR)


def main() -> None:
    cli()
