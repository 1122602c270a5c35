"""Local GGUF models: pulled from the Hugging Face Hub, or already on disk.

``names`` turns file names into the short names users type and recognises
split sets and quantisations; ``choose`` picks the files a pull takes;
``pulled`` keeps the record of what aigc itself downloaded (the only thing
``models rm`` deletes); ``discover`` reads Ollama's store, LM Studio's folders
and the Hugging Face cache in place, without copying; ``registry`` joins
them and resolves ``-m NAME`` to one file; ``hub`` runs the download.

Only ``hub`` imports ``huggingface_hub``, and only when a pull runs: listing
and resolving models reads folders and JSON with the standard library.
"""
