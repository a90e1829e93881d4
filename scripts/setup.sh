# Sourced by scripts/run and scripts/test: a virtual environment in .venv with this package
# installed in development mode (which builds the JupyterLab extension) and its extras.
# Usage: source scripts/setup.sh EXTRAS   (e.g. "dev")
set -euo pipefail
extras="${1:-dev}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
stamp=".venv/.installed-$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ labextension/package.json -nt "$stamp" ]; then
  echo "==> Installing jupyter-studysession[$extras] (builds the JupyterLab extension; a few minutes the first time)"
  python -m pip install --quiet --upgrade pip
  # A reinstall must not write the wheel's install.json through the development link that
  # `jupyter labextension develop` made (into the build output, which then breaks the build).
  rm -f .venv/share/jupyter/labextensions/jupyter-studysession jupyter_studysession/labextension/install.json
  python -m pip install --quiet -e ".[$extras]"
  jupyter labextension develop --overwrite . >/dev/null
  touch "$stamp"
fi
# configurable-http-proxy (npm) for the course hub (scripts/hub) and the hub tests
if [ ! -x jupyter-config/hub/node_modules/.bin/configurable-http-proxy ]; then
  echo "==> Installing configurable-http-proxy (npm) into jupyter-config/hub"
  (cd jupyter-config/hub && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
