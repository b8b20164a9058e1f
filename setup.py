"""Which files the wheel carries; the project's metadata is in pyproject.toml.

The templates live in the top-level templates/ folder (where the layout puts
them), and the installed package needs them: setuptools maps that folder to
patcher/templates in the wheel, which pyproject.toml alone cannot express next
to package discovery.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["patcher*"]) + ["patcher.schemas", "patcher.templates"],
    package_dir={"patcher.templates": "templates"},
    package_data={"patcher.schemas": ["LICENSE", "README.md", "*/*.json"], "patcher.templates": ["*.j2"],
                  "patcher.report": ["assets/*"]},
)
