"""``labeler-client``: the command line over ``Labeler``.

Exit status 0 on success, 1 when the server or the client reports an error (its message on
stderr), 2 for a bad command line, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from labeler_client import __version__
from labeler_client.client import FORMATS, TOKEN_ENV, URL_ENV, Labeler
from labeler_client.errors import LabelerError

PROG = "labeler-client"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "login":
            _login(args)
        else:
            with Labeler(getattr(args, "url", None), getattr(args, "token", None)) as lab:
                args.run(lab, args)
        return 0
    except LabelerError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


# --- commands ----------------------------------------------------------------------------


def _login(args: argparse.Namespace) -> None:
    try:
        username = args.username or input("Username: ")
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass("Password: ")
    except EOFError:
        raise LabelerError(None, "no_input", "No username or password given.") from None
    with Labeler.login(getattr(args, "url", None), username, password) as lab:
        print(lab.token)
    print(f"Logged in. Use the token with: export {TOKEN_ENV}=<token above>", file=sys.stderr)


def _events(lab: Labeler, args: argparse.Namespace) -> None:
    events = lab.events(team=args.team)
    if args.json:
        _print_json(events)
        return
    _print_table(events, [("id", "ID"), ("slug", "SLUG"), ("team", "TEAM"), ("name", "NAME")])


def _datasets(lab: Labeler, args: argparse.Namespace) -> None:
    versions = lab.datasets(args.event)
    if args.json:
        _print_json(versions)
        return
    rows = [
        {
            **version,
            "formats": ",".join(version.get("formats") or []),
            "created": str(version.get("created_at") or "")[:19],
        }
        for version in versions
    ]
    _print_table(
        rows,
        [
            ("id", "ID"),
            ("number", "V"),
            ("status", "STATUS"),
            ("formats", "FORMATS"),
            ("created_by", "BY"),
            ("created", "CREATED"),
            ("name", "NAME"),
        ],
    )


def _dataset(lab: Labeler, args: argparse.Namespace) -> None:
    _print_json(lab.dataset(args.dataset))


def _create(lab: Labeler, args: argparse.Namespace) -> None:
    job = lab.create_dataset(
        args.event,
        args.formats,
        filters=args.filters,
        split=_split(args),
        options={"include_images": True} if args.include_images else None,
        name=args.name,
    )
    dataset_id = (job.get("params") or {}).get("dataset")
    print(
        f"Job {job['id']} {job.get('status', 'queued')}: building dataset {dataset_id} "
        f"of event {args.event}.",
        file=sys.stderr,
    )
    if not args.wait:
        if args.json:
            _print_json(job)
        else:
            print(job["id"])
        return
    job = lab.wait(job["id"], progress=not args.quiet, timeout=args.timeout)
    dataset_id = (job.get("result") or {}).get("dataset", dataset_id)
    if not isinstance(dataset_id, int):
        raise LabelerError(None, "bad_response", f"Job {job['id']} names no dataset: {job!r}")
    if args.json:
        _print_json(lab.dataset(dataset_id))
    else:
        print(dataset_id)


def _wait(lab: Labeler, args: argparse.Namespace) -> None:
    job = lab.wait(args.job, progress=not args.quiet, timeout=args.timeout)
    if args.json:
        _print_json(job)
    else:
        print(f"Job {job['id']} succeeded: {job.get('message') or ''}".rstrip(": "))


def _download(lab: Labeler, args: argparse.Namespace) -> None:
    path = lab.download(
        args.dataset, args.format, args.out, unzip=not args.no_unzip, progress=not args.quiet
    )
    print(path)


# --- helpers -----------------------------------------------------------------------------


def _split(args: argparse.Namespace) -> dict[str, Any] | None:
    split: dict[str, Any] = {}
    if args.split is not None:
        split.update(zip(("train", "validation", "test"), args.split, strict=True))
    if args.seed is not None:
        split["seed"] = args.seed
    if args.no_stratify:
        split["stratify"] = False
    if args.group_cell_km is not None:
        split["group_cell_km"] = args.group_cell_km
    return split or None


def _fractions(text: str) -> list[float]:
    try:
        parts = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not numbers: {text!r}") from None
    if len(parts) != 3 or any(part < 0 for part in parts):
        raise argparse.ArgumentTypeError(
            f"expected TRAIN,VALIDATION,TEST fractions such as 0.8,0.1,0.1, got {text!r}"
        )
    return parts


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _print_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> None:
    cells = [
        [("" if row.get(key) is None else str(row.get(key))) for key, _ in columns] for row in rows
    ]
    widths = [
        max([len(title), *(len(line[i]) for line in cells)]) for i, (_, title) in enumerate(columns)
    ]
    for line in [[title for _, title in columns], *cells]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )


def _parser() -> argparse.ArgumentParser:
    # --url/--token work before or after the command: both parsers know them, and the
    # command's copy does not overwrite a value given before it (SUPPRESS).
    connection = argparse.ArgumentParser(add_help=False)
    connection.add_argument(
        "--url", default=argparse.SUPPRESS, help=f"server URL (default: ${URL_ENV})"
    )
    connection.add_argument(
        "--token", default=argparse.SUPPRESS, help=f"API token (default: ${TOKEN_ENV})"
    )

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="List events, build dataset versions and download them from a labeler server.",
        parents=[connection],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Callable[..., None], text: str) -> Any:
        sub = commands.add_parser(name, parents=[connection], help=text, description=text)
        sub.set_defaults(run=run)
        return sub

    login = command("login", _login, "get your API token (prints it on stdout)")
    login.add_argument("--username", "-u", help="asked for when not given")
    login.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    events = command("events", _events, "list the events you can see")
    events.add_argument("--team", type=int, help="only this team's events")
    events.add_argument("--json", action="store_true", help="print JSON")

    datasets = command("datasets", _datasets, "list an event's dataset versions")
    datasets.add_argument("event", type=int, metavar="EVENT", help="event id")
    datasets.add_argument("--json", action="store_true", help="print JSON")

    dataset = command("dataset", _dataset, "show one dataset version (JSON)")
    dataset.add_argument("dataset", type=int, metavar="DATASET", help="dataset version id")

    create = command("create", _create, "build a new dataset version of an event")
    create.add_argument("event", type=int, metavar="EVENT", help="event id")
    create.add_argument(
        "--format",
        "-f",
        dest="formats",
        action="append",
        required=True,
        metavar="FORMAT",
        help=f"export format, repeat for several: {', '.join(FORMATS)}",
    )
    create.add_argument("--name", help="a name for the version")
    create.add_argument(
        "--split", type=_fractions, metavar="TRAIN,VAL,TEST", help="e.g. 0.8,0.1,0.1"
    )
    create.add_argument("--seed", type=int, help="random seed of the split")
    create.add_argument("--no-stratify", action="store_true", help="do not stratify by class")
    create.add_argument(
        "--group-cell-km", type=float, metavar="KM", help="keep images of one KM grid cell together"
    )
    create.add_argument(
        "--filters", type=_json_object, metavar="JSON", help="e.g. '{\"label_classes\": [1, 2]}'"
    )
    create.add_argument("--include-images", action="store_true", help="put the images in the ZIPs")
    _wait_options(create, with_flag=True)

    wait = command("wait", _wait, "wait for a job to finish, showing its progress")
    wait.add_argument("job", type=int, metavar="JOB", help="job id")
    _wait_options(wait, with_flag=False)

    download = command("download", _download, "download and unzip one format of a version")
    download.add_argument("dataset", type=int, metavar="DATASET", help="dataset version id")
    download.add_argument(
        "--format", "-f", required=True, metavar="FORMAT", help=", ".join(FORMATS)
    )
    download.add_argument("--out", "-o", default=".", metavar="DIR", help="default: .")
    download.add_argument("--no-unzip", action="store_true", help="keep the ZIP only")
    download.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return parser


def _wait_options(sub: argparse.ArgumentParser, *, with_flag: bool) -> None:
    if with_flag:
        sub.add_argument("--wait", action="store_true", help="wait until the version is built")
    sub.add_argument(
        "--timeout", type=float, default=3600.0, metavar="S", help="give up after S seconds"
    )
    sub.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    sub.add_argument("--json", action="store_true", help="print JSON")


if __name__ == "__main__":
    sys.exit(main())
