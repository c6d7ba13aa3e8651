# lms-sandbox as a container: every API on port 8000, the control plane behind a token.
#
#   docker build -t lms-sandbox .        (or: make image)
#   docker run --rm -p 8000:8000 -e LMS_SANDBOX_CONTROL_TOKEN=some-secret lms-sandbox
#
# Without LMS_SANDBOX_CONTROL_TOKEN the container stops at once and says so: bound to 0.0.0.0, the
# control plane (reset, state, faults, ...) needs a token, and a generated one would only be in the logs.
# More in docs/docker.md. tests/test_image.py runs this file's ENTRYPOINT + CMD, so keep them serving.

ARG PYTHON_VERSION=3.12

# --- build: the wheel installed (not editable) into a venv, the specs' JSON twins beside them ---------
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY mockserver ./mockserver
COPY contracts ./contracts
COPY specs ./specs
COPY fixtures ./fixtures
# The twins (mockserver.specs) go where the installed package finds its specs (mockserver/_data/specs):
# a start reads them instead of parsing the YAML.
RUN /opt/venv/bin/pip install . \
    && /opt/venv/bin/python -m mockserver.specs \
    && /opt/venv/bin/lms-sandbox --version

# --- runtime: the venv only, run by a user without privileges ----------------------------------------
FROM python:${PYTHON_VERSION}-slim
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin sandbox
COPY --from=build /opt/venv /opt/venv
# DL3064 sees TOKEN in a name: LMS_SANDBOX_REQUIRE_CONTROL_TOKEN is a switch (serve refuses to start
# without a token given), not a secret; the token itself is given at run time, never baked in.
# hadolint ignore=DL3064
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LMS_SANDBOX_REQUIRE_CONTROL_TOKEN=true
USER 10001:10001
WORKDIR /home/sandbox
EXPOSE 8000
# Health answers 503 while the APIs are still being built, 200 once every one is ready; urllib raises
# on anything but 2xx (slim images have no curl).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/__sandbox__/health', timeout=4)"]
ENTRYPOINT ["lms-sandbox"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
