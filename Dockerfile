# One image for web, worker and beat; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
# Static files are collected with the production settings (DEBUG off), so the hashed names
# and the staticfiles.json manifest the app serves from are written. The settings refuse to
# load without secrets: throwaway ones are generated for this step only and never kept.
RUN python -m inbox_project.catalogues
RUN DJANGO_DEBUG=0 \
    DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    CREDENTIAL_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --no-input -v 0 \
 && test -f "${STATIC_ROOT:-staticfiles}/staticfiles.json"
RUN useradd --create-home inbox && chown -R inbox /app
USER inbox
EXPOSE 8000
CMD ["uvicorn", "web.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--workers", "2"]
