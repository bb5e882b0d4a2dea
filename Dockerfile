# One image for web, worker, beat and migrations (docker-compose.yml picks the command).
FROM node:22-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/static/lint ./web/static/lint
RUN npm run build --silent

FROM python:3.11-slim
WORKDIR /app
# Official documents' PDF (engine/documents/pdf.py): LibreOffice headless, without a GUI;
# Liberation Serif stands in for Times New Roman with the same metrics.
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
       libreoffice-writer-nogui fonts-liberation >/dev/null \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=assets /app/node_modules ./node_modules
RUN pip install --no-cache-dir --no-deps -e . && pybabel compile -d web/translations \
    && useradd --create-home policyflow \
    && mkdir -p /app/var && chown policyflow /app/var
USER policyflow
CMD ["policyflow", "--help"]
