"""Run the real `promptls` command under a memory limit: `python limited.py MIB ARGS...`.

A hostile file that makes promptls allocate without bound then ends in MemoryError (a failure the
test sees) instead of swapping the machine.
"""

import resource
import runpy
import sys

limit = int(sys.argv[1]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.argv = ["promptls", *sys.argv[2:]]
runpy.run_module("promptls", run_name="__main__", alter_sys=True)
