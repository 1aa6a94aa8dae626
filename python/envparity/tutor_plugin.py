"""A Tutor plugin: `tutor parity check --production PATH [envparity options...]` compares
the current Tutor project root (staging) with another environment's root, snapshot or
live sources, and exits as envparity does (0 parity, 1 the gate failed, 2 trouble).

Enable it with `tutor plugins enable parity`. It adds no settings and renders nothing:
it only runs the envparity binary installed with this package.
"""

import subprocess

import click
from tutor import hooks

from envparity import find_envparity_bin


def _run(args):
    return subprocess.call([find_envparity_bin(), *args])


@click.group(name="parity", help="Compare this environment with another one (envparity).")
def parity():
    pass


@parity.command(
    name="check",
    help="Judge this Tutor root (as staging) against --production; other options go to "
    "`envparity check` (e.g. --format markdown, --fail-on drift).",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.option(
    "--production",
    "production",
    multiple=True,
    required=True,
    help="A production source: a Tutor root, a snapshot, an LMS URL, a datastore URL.",
)
@click.option(
    "--staging",
    "staging",
    multiple=True,
    help="Staging sources instead of (or besides) this Tutor root.",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
@click.pass_context
def check(ctx, context, production, staging, args):
    command = ["check", "--staging", context.root]
    for s in staging:
        command += ["--staging", s]
    for p in production:
        command += ["--production", p]
    ctx.exit(_run(command + list(args)))


@parity.command(
    name="snapshot",
    help="Snapshot this Tutor root for a later `envparity diff` (-o FILE).",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.option("--env", "env", default="staging", show_default=True)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
@click.pass_context
def snapshot(ctx, context, env, args):
    ctx.exit(_run(["snapshot", "--env", env, "--source", context.root, *args]))


hooks.Filters.CLI_COMMANDS.add_item(parity)
