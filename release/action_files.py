#!/usr/bin/env python3
"""The action's metadata files, written from `action.yml`, the one place inputs and outputs live.

    python3 release/action_files.py composite [--check]
        Writes `cli/action.yml`, the composite action for any runner OS, from `action.yml`: the
        same inputs and outputs, a step that installs the release binary (`cli/install.sh`) and
        a step that runs `dpone-observability action` with the same `INPUT_*` variables.
        `--check` writes nothing and exits 1 when the committed file differs.

    python3 release/action_files.py pin --image ghcr.io/OWNER/REPO@sha256:DIGEST \\
        --version vX.Y.Z --repository OWNER/REPO
        For a release commit: `action.yml` runs the prebuilt image, pinned by digest
        (`image: docker://ghcr.io/...@sha256:...`), and `cli/action.yml` downloads that release.

`--root DIR` works on another checkout (the tests use a copy). The files are rewritten as text,
line by line, so everything else in them stays as it is; no YAML library is needed, and the
program runs on any runner with Python 3.8 or later. Exit status: 0 done, 1 `--check` found a
difference, 2 bad arguments or an `action.yml` of an unexpected shape.
"""

import argparse
import re
import sys
from pathlib import Path

DEFAULT_RELEASE = "latest"
DEFAULT_REPOSITORY = "dpone/observability-action"

IMAGE_RE = re.compile(r"^ghcr\.io/[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)+@sha256:[0-9a-f]{64}$")
VERSION_RE = re.compile(r"^v[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?$")
REPOSITORY_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
INPUT_NAME_RE = re.compile(r"^[a-z][a-z0-9-]*$")


class Refused(Exception):
    """A bad argument or an `action.yml` this program does not know how to rewrite."""


def top_level_blocks(text):
    """Top-level keys of a block-style YAML mapping, each with its lines (the key line first)."""
    blocks = {}
    order = []
    current = None
    for line in text.splitlines(keepends=True):
        if line and not line[0].isspace() and not line.startswith("#"):
            key = line.split(":", 1)[0].strip()
            if ":" not in line or not key:
                raise Refused(f"action.yml: unexpected top-level line {line.strip()!r}")
            if key in blocks:
                raise Refused(f"action.yml: top-level key `{key}` appears twice")
            current = key
            blocks[key] = [line]
            order.append(key)
        elif current is None:
            continue  # comments before the first key
        else:
            blocks[current].append(line)
    return blocks, order


def entries(lines, where):
    """The two-space-indented entries of a block (`  name:` and the lines under it)."""
    out = []
    for line in lines[1:]:
        if line.startswith("  ") and not line.startswith("   ") and line.strip() and not line.strip().startswith("#"):
            name = line.strip()
            if not name.endswith(":"):
                raise Refused(f"action.yml: {where}: expected `name:`, found {name!r}")
            name = name[:-1]
            if not INPUT_NAME_RE.match(name):
                raise Refused(f"action.yml: {where}: `{name}` is not a name this program can map to an INPUT_ variable")
            out.append((name, [line]))
        elif out:
            out[-1][1].append(line)
        elif line.strip() and not line.strip().startswith("#"):
            raise Refused(f"action.yml: {where}: unexpected line {line.strip()!r}")
    return out


def composite(action_text, release, repository):
    """`cli/action.yml` for `action.yml`'s text."""
    blocks, _ = top_level_blocks(action_text)
    for key in ("name", "description", "inputs", "outputs", "runs"):
        if key not in blocks:
            raise Refused(f"action.yml: no top-level `{key}`")
    inputs = entries(blocks["inputs"], "inputs")
    outputs = entries(blocks["outputs"], "outputs")
    if not inputs or not outputs:
        raise Refused("action.yml: no inputs or no outputs")
    name = blocks["name"][0].split(":", 1)[1].strip()
    out = [
        "# Generated from ../action.yml by release/action_files.py; do not edit by hand.\n",
        "# `uses: dpone/observability-action/cli@v0` on any runner OS (Linux, macOS, Windows): the\n",
        "# release binary for the runner, checked against the release's SHA256SUMS and kept in the\n",
        "# tool cache, runs `dpone-observability action` with the container action's inputs.\n",
        f"name: {name} (CLI)\n",
        "description: The dpone observability action for any runner OS. Downloads the release binary, checks it against SHA256SUMS, caches it and runs the same export, summary, annotations, PR status and fail policy as the container action.\n",
    ]
    for key in ("author", "branding"):
        out.extend(blocks.get(key, []))
    out.extend(blocks["inputs"])
    out.append("outputs:\n")
    for output, lines in outputs:
        out.extend(lines)
        out.append(f"    value: ${{{{ steps.export.outputs.{output} }}}}\n")
    out += [
        "runs:\n",
        "  using: composite\n",
        "  steps:\n",
        "    - name: Install dpone-observability\n",
        "      id: install\n",
        "      shell: bash\n",
        "      env:\n",
        f"        DPONE_OBSERVABILITY_RELEASE: '{release}'\n",
        f"        DPONE_OBSERVABILITY_REPOSITORY: '{repository}'\n",
        "        DPONE_OBSERVABILITY_SERVER_URL: ${{ github.server_url }}\n",
        '      run: bash "$GITHUB_ACTION_PATH/install.sh"\n',
        "    - name: Export observability evidence\n",
        "      id: export\n",
        "      shell: bash\n",
        "      env:\n",
        "        DPONE_OBSERVABILITY_BIN: ${{ steps.install.outputs.path }}\n",
    ]
    for input_name, _ in inputs:
        out.append(f"        INPUT_{input_name.upper()}: ${{{{ inputs.{input_name} }}}}\n")
    out.append('      run: exec "$DPONE_OBSERVABILITY_BIN" action\n')
    return "".join(out)


def pin(action_text, image):
    """`action.yml` with `runs.image` set to the prebuilt image, by digest."""
    blocks, order = top_level_blocks(action_text)
    runs = blocks.get("runs")
    if runs is None:
        raise Refused("action.yml: no top-level `runs`")
    if not any(line.strip() == "using: docker" for line in runs):
        raise Refused("action.yml: `runs.using` is not `docker`")
    found = [i for i, line in enumerate(runs) if re.match(r"^  image:", line)]
    if len(found) != 1:
        raise Refused(f"action.yml: expected one `runs.image`, found {len(found)}")
    runs[found[0]] = f"  image: 'docker://{image}'\n"
    return "".join("".join(blocks[key]) for key in order)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("composite", help="write cli/action.yml from action.yml")
    c.add_argument("--check", action="store_true", help="exit 1 if cli/action.yml is not up to date")
    p = sub.add_parser("pin", help="a release commit's action.yml and cli/action.yml")
    p.add_argument("--image", required=True, help="ghcr.io/OWNER/REPO@sha256:DIGEST")
    p.add_argument("--version", required=True, help="the release tag, vX.Y.Z")
    p.add_argument("--repository", required=True, help="OWNER/REPO of the release")
    args = parser.parse_args(argv)

    action_path = args.root / "action.yml"
    cli_path = args.root / "cli" / "action.yml"
    try:
        action_text = action_path.read_text(encoding="utf-8")
        if args.command == "composite":
            text = composite(action_text, DEFAULT_RELEASE, DEFAULT_REPOSITORY)
            if args.check:
                current = cli_path.read_text(encoding="utf-8") if cli_path.exists() else ""
                if current != text:
                    print("cli/action.yml is not up to date with action.yml: run "
                          "`python3 release/action_files.py composite`", file=sys.stderr)
                    return 1
                return 0
            cli_path.parent.mkdir(exist_ok=True)
            cli_path.write_text(text, encoding="utf-8")
            return 0
        if not IMAGE_RE.match(args.image):
            raise Refused(f"--image must be ghcr.io/owner/repo@sha256:<64 hex digits> in lower case "
                          f"(a digest, never a tag), not {args.image!r}")
        if not VERSION_RE.match(args.version):
            raise Refused(f"--version must be a release tag vX.Y.Z, not {args.version!r}")
        if not REPOSITORY_RE.match(args.repository):
            raise Refused(f"--repository must be OWNER/REPO, not {args.repository!r}")
        pinned = pin(action_text, args.image)
        text = composite(pinned, args.version, args.repository)
        action_path.write_text(pinned, encoding="utf-8")
        cli_path.parent.mkdir(exist_ok=True)
        cli_path.write_text(text, encoding="utf-8")
        print(f"action.yml runs docker://{args.image}; cli/action.yml installs {args.repository} {args.version}")
        return 0
    except Refused as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
