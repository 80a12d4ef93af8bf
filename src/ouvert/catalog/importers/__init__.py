"""Importers: bring another portal's catalog into Ouvert through the catalog services."""
