"""Validate and inspect pipeline configs.

    python -m tunablecnn.config validate FILE...   # exit 0 if all are valid, 2 otherwise
    python -m tunablecnn.config show FILE          # the resolved config, every default filled
    python -m tunablecnn.config docs               # markdown table of every key
"""

import argparse
import json
import sys

from tunablecnn import cli
from tunablecnn.config import ConfigError, load_pipeline, schema_docs


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tunablecnn.config", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check pipeline files; exit 2 if any is invalid")
    validate.add_argument("files", nargs="+", metavar="FILE")
    show = commands.add_parser("show", help="print the resolved config with every default filled")
    show.add_argument("file", metavar="FILE")
    docs = commands.add_parser("docs", help="print a markdown table of every key")
    for command in (parser, validate, show, docs):
        cli.add_verbose_argument(command)
    args = parser.parse_args(argv)
    return cli.run(_command, args)


def _command(args):
    if args.command == "docs":
        print(schema_docs())
        return 0
    status = 0
    for path in args.files if args.command == "validate" else [args.file]:
        try:
            config = load_pipeline(path)
        except ConfigError as error:
            cli.report_error(error)
            status = 2
            continue
        print(json.dumps(config, indent=2) if args.command == "show" else f"{path}: valid")
    return status


if __name__ == "__main__":
    sys.exit(main())
