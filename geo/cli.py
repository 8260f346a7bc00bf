"""``hokkaido-map``: the command line (serve, inspect-boundaries, validate, dump-plan, export, print,
progress)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from geo.errors import DataError


def _add_boundaries(parser: argparse.ArgumentParser, positional: bool = False) -> None:
    if positional:
        parser.add_argument("path", nargs="?", help="boundary file (N03 GeoJSON/TopoJSON/shp/zip/gpkg)")
    parser.add_argument(
        "--boundaries", metavar="PATH",
        help="boundary file; default: $HOKKAIDO_MAP_BOUNDARIES, the cache, or the pinned download",
    )


def cmd_inspect_boundaries(args: argparse.Namespace) -> int:
    from geo.atlas.inspect import inspect_boundaries, render_table
    from geo.atlas.model import load_atlas
    from geo.atlas.sources import resolve_boundaries

    atlas = load_atlas(resolve_boundaries(args.path or args.boundaries))
    summary = inspect_boundaries(atlas)
    print(json.dumps(summary, ensure_ascii=False, indent=2) if args.json else render_table(summary))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from app import create_app
    from geo.atlas.sources import resolve_boundaries
    from geo.web.serving import (
        behind_proxy,
        client_limits,
        create_server,
        freeze_loaded_heap,
        waitress_options,
        wsgi_app,
    )

    # Settings first (DataError, one line): a typo must not start a server trusting forged headers.
    proxies, options = behind_proxy(args.behind_proxy), waitress_options(args.threads)
    limits = client_limits(proxies)
    boundaries = resolve_boundaries(args.boundaries)  # downloads and checks on a first run
    app = create_app({"BOUNDARIES": str(boundaries)})
    for line in startup_lines(app, args):
        print(line, file=sys.stderr)
    if args.debug:
        app.run(host=args.host, port=args.port, debug=True)
        return 0
    from functools import partial

    import waitress

    from geo.web.access_log import AccessLog

    # The log sits inside ProxyFix: it shows the client's address, not the proxy's.
    inner = AccessLog(app) if args.access_log else app
    freeze_loaded_heap()  # the loaded model is not scanned by every full collection again
    # Per-client connection limits and the header timeout (geo/web/serving.py, issue 26).
    waitress.serve(wsgi_app(inner, proxies), host=args.host, port=args.port,
                   _server=partial(create_server, limits=limits), **options)
    return 0


def startup_lines(app, args: argparse.Namespace) -> list[str]:
    """What ``serve`` says before it answers: what it loaded, where, and how to stop it."""
    from geo.web.state import state

    with app.app_context():
        st = state()
    atlas, plan = st.atlas, st.plan
    server = "Flask debug server" if args.debug else f"waitress, {args.threads} threads"
    log = "requests logged here" if args.access_log else "no request log (--access-log)"
    return [
        f"hokkaido-map: boundaries {app.config['BOUNDARIES']}",
        f"hokkaido-map:   {len(atlas.municipalities)} 市町村 (+{len(atlas.wards)} 区, "
        f"{len(atlas.northern_territories)} 北方領土), {len(atlas.hierarchy.subprefectures)} 振興局, "
        f"{len(atlas.hierarchy.regions)} 連携地域",
        f"hokkaido-map: plan data {plan_data_dir(app)}",
        f"hokkaido-map:   {len(plan.projects)} projects named ({plan.total_stated} stated), "
        f"{len(plan.kpis)} KPIs, " + (
            f"{len(st.actuals.records)} KPI actuals published up to {st.actuals.as_of.isoformat()}"
            if st.actuals.records and st.actuals.as_of else "no KPI actuals (実績未登録)"),
        f"hokkaido-map: serving http://{args.host}:{args.port}/ ({server}; {log})",
        "hokkaido-map: press Ctrl+C to stop",
    ]


def plan_data_dir(app) -> str:
    from geo.plan.model import DEFAULT_DATA_DIR

    return str(app.config.get("DATA_DIR") or DEFAULT_DATA_DIR)


def cmd_validate(args: argparse.Namespace) -> int:
    from geo.atlas.sources import resolve_boundaries
    from geo.plan.commands import run_validate

    return run_validate(resolve_boundaries(args.boundaries), args.data)


def cmd_dump_plan(args: argparse.Namespace) -> int:
    from geo.atlas.sources import resolve_boundaries
    from geo.plan.commands import run_dump_plan

    return run_dump_plan(resolve_boundaries(args.boundaries), args.data, as_json=args.json)


def cmd_export(args: argparse.Namespace) -> int:
    from app import create_app
    from geo.export import ExportError, check_out_dir, export_site

    try:
        check_out_dir(args.out_dir)  # before loading anything: a wrong folder fails at once
        app = create_app({"BOUNDARIES": args.boundaries} if args.boundaries else None)
        report = export_site(app, args.out_dir, progress=not args.quiet, with_print=args.with_print)
    except (ExportError, OSError) as exc:
        print(f"hokkaido-map: error: export: {exc}", file=sys.stderr)
        return 1
    print(
        f"{report.out_dir}: {report.files} files, {report.bytes:,} bytes "
        f"({report.written} written, {report.unchanged} unchanged) in {report.seconds:.1f} s",
        file=sys.stderr,
    )
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geo.atlas.model import load_atlas
    from geo.atlas.sources import resolve_boundaries
    from geo.plan.edition import edition_folder, edition_of, hierarchy_file
    from geo.plan.model import DEFAULT_DATA_DIR, load_plan
    from geo.render.printing import Printer

    # The edition the server serves from the same folder (its newest, or the one given): every
    # print names it and its period, and is drawn on that edition's hierarchy, as the server's.
    data = args.data or DEFAULT_DATA_DIR
    folder = edition_folder(data)
    atlas = load_atlas(resolve_boundaries(args.boundaries), hierarchy_file(folder))
    printer = Printer(atlas, load_plan(folder, atlas.hierarchy), edition=edition_of(data))
    if args.only:
        printer_ids = set(printer.map_ids())
        unknown = [m for m in args.only if m not in printer_ids]
        if unknown:
            print(f"hokkaido-map: error: unknown map(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids = args.only or printer.map_ids()
    from tqdm import tqdm

    for map_id in tqdm(ids, desc="print", unit="map", disable=args.quiet):
        for fmt in args.formats:
            (out / f"{map_id}.{fmt}").write_bytes(printer.render(map_id, fmt))
    print(f"{out}: {len(ids) * len(args.formats)} files", file=sys.stderr)
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    from geo.render import progress_commands as pc

    if args.action == "template":
        return pc.run_template(args.out, args.data)
    if args.action == "import":
        return pc.run_import(args.file, args.data, dry_run=args.dry_run)
    return pc.run_report(args.year, args.region, args.format, args.data)


def _add_progress(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("progress", help="推進管理: KPI actuals (template, import) and the yearly report")
    acts = p.add_subparsers(dest="action", required=True)
    t = acts.add_parser("template", help="write the actuals sheet a 振興局 fills in (CSV)")
    t.add_argument("out", metavar="OUT.csv")
    i = acts.add_parser("import", help="validate a .csv/.xlsx of actuals and add it to DATA/actuals")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--dry-run", action="store_true", help="only show what would be added or changed")
    r = acts.add_parser("report", help="the 連携会議 material for a fiscal year")
    r.add_argument("--year", required=True, help="fiscal year: 2019, R1, 令和元年度 …")
    r.add_argument("--region", default=None, help="連携地域 id (doo, donan …); default: all")
    r.add_argument("--format", choices=("md", "csv", "html"), default="md")
    for q in (t, i, r):
        q.add_argument("--data", default=None, help="plan data folder (default: the project's data/)")
    p.set_defaults(func=cmd_progress)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hokkaido-map", description="北海道 地域政策マップ")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the web app (waitress)")
    _add_boundaries(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--debug", action="store_true", help="Flask's development server")
    p.add_argument("--access-log", action="store_true",
                   help="log every request on stderr (Common Log Format + time taken)")
    p.add_argument("--behind-proxy", type=int, metavar="N", default=None,
                   help="trust X-Forwarded-* from N proxies in front (default: "
                        "$HOKKAIDO_MAP_BEHIND_PROXY, else 0 = trust none)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("inspect-boundaries", help="counts, areas and CRS of a boundary file")
    _add_boundaries(p, positional=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_inspect_boundaries)

    p = sub.add_parser("validate", help="check boundaries and plan data")
    _add_boundaries(p)
    p.add_argument("--data", default=None, help="plan data folder (default: the project's data/)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("dump-plan", help="the whole plan as JSON")
    _add_boundaries(p)
    p.add_argument("--data", default=None)
    p.add_argument("--json", action="store_true", default=True)
    p.set_defaults(func=cmd_dump_plan)

    p = sub.add_parser("export", help="write the whole site as static files (any host, file://)")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder to (re)write atomically")
    _add_boundaries(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--with-print", action="store_true",
                   help="also the PNG/SVG of every map (~500 files; minutes)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("print", help="PNG and SVG of every map (reports, slides)")
    p.add_argument("out_dir", metavar="OUT_DIR")
    _add_boundaries(p)
    p.add_argument("--data", default=None, help="plan data folder (default: the project's data/)")
    p.add_argument("--only", nargs="+", metavar="MAP", help="map ids (default: all)")
    p.add_argument("--formats", nargs="+", choices=("png", "svg"), default=["png", "svg"])
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_print)

    _add_progress(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DataError as exc:
        # One line per problem, naming the file: no traceback for bad input.
        print(f"hokkaido-map: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `hokkaido-map dump-plan | head`: the reader left; say nothing more, as cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
