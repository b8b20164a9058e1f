"""Entry points: the commands and Applications that deploy the repository (see records)."""

from patcher.entrypoints.records import (Apply, ArgoSource, EntryPoints, HelmInstall, IstioctlInstall, KindCreate,
                                         NamespaceCreate, NamespaceLabel, Patch, PortForward)

__all__ = ["Apply", "ArgoSource", "EntryPoints", "HelmInstall", "IstioctlInstall", "KindCreate", "NamespaceCreate",
           "NamespaceLabel", "Patch", "PortForward"]
