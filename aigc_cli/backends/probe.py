"""The probe child: load a GGUF with given settings and decode a few tokens.

Run by ``loadsafety.run_probe`` as ``python -m aigc_cli.backends.probe FILE
--extra-buffers on|off --threads N``. If llama.cpp crashes here, only this
child dies (the parent sees a negative return code); exit 0 means the
settings work, any other exit means the file could not be loaded at all
(the parent then loads it normally and reports that error itself).
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aigc-probe")
    parser.add_argument("model")
    parser.add_argument("--extra-buffers", choices=["on", "off"], required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    import llama_cpp

    from aigc_cli.backends.local import silence_llama_logs
    from aigc_cli.backends.loadsafety import model_params

    silence_llama_logs(llama_cpp)
    try:
        with model_params(llama_cpp, args.extra_buffers == "on"):
            llm = llama_cpp.Llama(args.model, n_ctx=256, n_batch=64, n_threads=args.threads,
                                  n_threads_batch=args.threads, verbose=False)  # fmt: skip
        # a prompt batch and single-token steps: both kernel paths run
        tokens = llm.tokenize(b"The capital of France is Paris. The capital of Italy is", add_bos=True)
        llm.eval(tokens)
        for token in tokens[-2:]:
            llm.eval([token])
    except Exception:  # noqa: BLE001 - not a crash: the parent loads and reports it
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
