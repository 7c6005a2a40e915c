# DL Numerics Lab in a container: one Streamlit replica on port 8501.
#
#   docker build -t dl-numerics-lab .
#   docker run --rm -p 8501:8501 dl-numerics-lab            # then open http://localhost:8501
#
# One replica is one Python process, so it uses about one CPU core however many the host has. For a bigger
# class run one container per core and put nginx with sticky sessions in front (deploy/README.md):
#
#   docker run -d --name dlnl-1 -p 127.0.0.1:8601:8501 dl-numerics-lab
#   docker run -d --name dlnl-2 -p 127.0.0.1:8602:8501 dl-numerics-lab
#   python3 deploy/replicas.py --listen 0.0.0.0:8080 --upstream 127.0.0.1:8601 --upstream 127.0.0.1:8602
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --create-home --shell /usr/sbin/nologin app
USER app

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]
# .streamlit/config.toml (copied with the app) holds the app's settings; these are the container's own.
CMD ["python", "-m", "streamlit", "run", "dashboard.py", "--server.port=8501", "--server.address=0.0.0.0", \
     "--server.headless=true", "--server.fileWatcherType=none"]
