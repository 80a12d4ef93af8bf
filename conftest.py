"""Test set-up shared by every app's tests (settings: ``ouvert.settings_test``)."""
