"""The demo catalog: real public datasets (files in ``files/``, sources in ``SOURCES.md``)."""
