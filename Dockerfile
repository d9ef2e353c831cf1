# One image for web, worker and beat; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN python -m inbox_project.catalogues \
 && DJANGO_DEBUG=1 python manage.py collectstatic --no-input -v 0
RUN useradd --create-home inbox && chown -R inbox /app
USER inbox
EXPOSE 8000
CMD ["uvicorn", "inbox_project.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--workers", "2"]
