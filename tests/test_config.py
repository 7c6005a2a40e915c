"""The server settings a public link needs, read the way ``streamlit run`` reads them from the repository."""
import pytest
from streamlit import config

from tests.conftest import ROOT

CONFIG_FILE = ROOT / ".streamlit" / "config.toml"


@pytest.fixture
def options(monkeypatch):
    """The effective options with the repository's config file, as ``streamlit run`` at the root sees them."""
    monkeypatch.chdir(ROOT)
    parsed = config.get_config_options(force_reparse=True)
    yield parsed
    monkeypatch.undo()
    config.get_config_options(force_reparse=True)


@pytest.mark.parametrize("key,value", [
    ("client.showErrorDetails", "type"),  # an exception's type and a generic message; never the traceback
    ("server.enableXsrfProtection", True),
    ("server.enableCORS", True),
    ("server.maxUploadSize", 1),  # MB: the app takes no uploads
    ("server.maxMessageSize", 1),  # MB: ~5× the largest message a page sends (BENCHMARKS.md)
    ("client.toolbarMode", "viewer"),
    ("global.developmentMode", False),
    ("runner.postScriptGC", False),  # a full gc.collect(2) after every run cost ~200 ms per interaction
    ("server.fileWatcherType", "none"),  # no polling of the source files in every session
])
def test_public_link_setting(options, key, value):
    assert config.get_option(key) == value
    if key != "global.developmentMode":  # set by the repository's file, not a default that could change
        assert options[key].where_defined == str(CONFIG_FILE), (key, options[key].where_defined)

