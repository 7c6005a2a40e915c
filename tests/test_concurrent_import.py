"""Two sessions of a fresh server import the pages at once: a chart module must not use pandas half imported by
the other session (Altair looks it up in sys.modules)."""
import subprocess
import sys
import textwrap

from tests.test_pages import ROOT

SCRIPT = textwrap.dedent("""
    import importlib.abc, importlib.util, sys, threading, time

    class SlowPandas(importlib.abc.MetaPathFinder):
        # pandas takes a while to import: it sits half initialised in sys.modules for a second
        def find_spec(self, name, path, target=None):
            if name != "pandas":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec("pandas")
            real = spec.loader.exec_module
            def exec_module(module):
                time.sleep(1.0)
                real(module)
            spec.loader.exec_module = exec_module
            return spec

    import altair  # noqa: F401 (Altair itself imports pandas lazily)
    sys.meta_path.insert(0, SlowPandas())
    errors = []
    def other_session():
        import pandas  # noqa: F401
    def this_session():
        try:
            from core.charts import softmax  # noqa: F401
        except Exception as err:
            errors.append(repr(err))
    a = threading.Thread(target=other_session); a.start(); time.sleep(0.3)
    b = threading.Thread(target=this_session); b.start(); a.join(); b.join()
    print("ERRORS", errors)
    sys.exit(1 if errors else 0)
""")


def test_a_chart_module_waits_for_pandas_imported_by_another_session():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
