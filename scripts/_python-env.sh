# Sourced by scripts/serve, scripts/test and .ci/run: which Python runs hookline, and
# installing hookline into it only when needed.
#
# Inside a virtual environment (an activated one, or a `python3` that belongs to one),
# that environment is used. Otherwise (a system Python, which on Debian and Ubuntu
# refuses `pip install` outright: PEP 668's externally-managed-environment) the project's
# own environment in .venv is created once and used.
#
# pip runs only when pyproject.toml changed since the last install into that environment
# (a stamp file in it holds the file's hash and the extras), so a second start goes
# straight to hookline. Remove the stamp (or .venv) to force a reinstall.

# hookline_install EXTRAS: sets HOOKLINE_PYTHON (and HOOKLINE_VENV); EXTRAS is "" or "test"…
hookline_install() {
  local extras=${1:-} python=${PYTHON:-python3} venv spec stamp want
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "hookline: $python not found; install Python 3.11 or later" >&2
    exit 1
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "hookline: needs Python 3.11 or later, $python is $("$python" -V 2>&1)" >&2
    exit 1
  fi
  if "$python" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)'; then
    venv=$("$python" -c 'import sys; print(sys.prefix)')
  else
    venv=$PWD/.venv
    if [[ ! -x $venv/bin/python ]]; then
      echo "hookline: creating a virtual environment in .venv ($python is not in one)" >&2
      if ! "$python" -m venv "$venv" >&2; then
        rm -rf "$venv"
        echo "hookline: '$python -m venv' failed; on Debian or Ubuntu: apt-get install python3-venv" >&2
        exit 1
      fi
    fi
  fi
  HOOKLINE_VENV=$venv
  HOOKLINE_PYTHON=$venv/bin/python
  # As if activated: subprocesses (tests, `hookline …`) find this environment's commands.
  export VIRTUAL_ENV=$venv PATH="$venv/bin:$PATH"
  spec=.
  [[ -n $extras ]] && spec=".[$extras]"
  stamp=$venv/.hookline-installed${extras:+-${extras//,/-}}
  want="$("$HOOKLINE_PYTHON" -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())') $spec $PWD"
  if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
    echo "hookline: $spec already installed in $venv (pyproject.toml unchanged), skipping pip" >&2
    return 0
  fi
  echo "hookline: installing $spec into $venv" >&2
  PIP_ROOT_USER_ACTION=ignore "$HOOKLINE_PYTHON" -m pip install -q -e "$spec" >&2
  echo "$want" >"$stamp"
}
