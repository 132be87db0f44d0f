"""The real-server and browser fixtures live in ``tongxin.workbench.tests.e2e`` and are
registered for every app's tests by ``tongxin/conftest.py`` (one server per test session)."""
