"""The envparity binary, shipped in this package, and where to find it."""

import os
import shutil
import sys
import sysconfig

__all__ = ["find_envparity_bin"]


def find_envparity_bin() -> str:
    """The path of the envparity binary installed with this package."""
    exe = "envparity" + (sysconfig.get_config_var("EXE") or "")
    candidates = [
        os.path.join(sysconfig.get_path("scripts"), exe),
        os.path.join(sysconfig.get_path("scripts", vars={"base": sys.base_prefix}), exe),
    ]
    user_scheme = sysconfig.get_preferred_scheme("user") if hasattr(sysconfig, "get_preferred_scheme") else None
    if user_scheme:
        candidates.append(os.path.join(sysconfig.get_path("scripts", scheme=user_scheme), exe))
    for path in candidates:
        if os.path.isfile(path):
            return path
    found = shutil.which(exe)
    if found:
        return found
    raise FileNotFoundError(
        "the envparity binary is not installed next to this Python package; "
        "reinstall it with `pip install envparity`"
    )
