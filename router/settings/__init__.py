"""Layered settings with provenance: every value knows its layer, file and line."""

from promptls.router.settings.discover import ProjectSettings, SettingsLoader, user_config_path
from promptls.router.settings.files import SettingsFile, load_settings
from promptls.router.settings.layers import Layer, Setting, Source

__all__ = [
    "Layer",
    "ProjectSettings",
    "Setting",
    "SettingsFile",
    "SettingsLoader",
    "Source",
    "load_settings",
    "user_config_path",
]
