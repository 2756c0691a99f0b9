# Quire's image: a build stage with the dependencies and collected static files, then a small
# runtime stage that runs as an unprivileged user. No secret is baked in: SECRET_KEY and the
# rest come from the environment at run time (docker-compose.yml), and .dockerignore keeps
# .local/ (the development secret key) and .venv out of the build context.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /venv
WORKDIR /src
# Every package at the version and hash of the lock file (make lock writes it), then Quire
# itself, built by the locked setuptools.
COPY requirements/prod.lock ./requirements/
RUN /venv/bin/pip install --require-hashes -r requirements/prod.lock
COPY . .
RUN /venv/bin/pip install --no-deps --no-build-isolation .
# A throw-away key for collectstatic only; it lives in this RUN line, not in the image.
RUN SECRET_KEY=collectstatic-only QUIRE_LOCAL_DIR=/nonexistent \
    /venv/bin/python manage.py collectstatic --noinput

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH \
    QUIRE_LOCAL_DIR=/nonexistent TENANT_EXPORT_DIR=/var/lib/quire/exports \
    WHITENOISE_USE_FINDERS=false
RUN useradd --system --uid 10001 --create-home --home-dir /home/quire quire \
    && mkdir -p /var/lib/quire/exports && chown -R quire /var/lib/quire
COPY --from=build /venv /venv
WORKDIR /app
# Every app in INSTALLED_APPS, and what they read from the tree (tests/prod/test_image.py
# rebuilds this tree from these lines and starts Django on it).
COPY --from=build /src/manage.py /src/pyproject.toml ./
COPY --from=build /src/config ./config
COPY --from=build /src/tenants ./tenants
COPY --from=build /src/shared ./shared
COPY --from=build /src/lib ./lib
COPY --from=build /src/signup ./signup
COPY --from=build /src/staff ./staff
COPY --from=build /src/blog ./blog
COPY --from=build /src/media ./media
COPY --from=build /src/tasks ./tasks
COPY --from=build /src/api ./api
COPY --from=build /src/analytics ./analytics
COPY --from=build /src/audience ./audience
COPY --from=build /src/webhooks ./webhooks
COPY --from=build /src/comments ./comments
COPY --from=build /src/memberships ./memberships
COPY --from=build /src/templates ./templates
COPY --from=build /src/static ./static
COPY --from=build /src/staticfiles ./staticfiles
USER quire
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# gthread workers that keep Caddy's and Varnish's connections alive; one worker per core
# (WEB_CONCURRENCY), no access log of its own (Caddy's is the one): config/gunicorn.py.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
