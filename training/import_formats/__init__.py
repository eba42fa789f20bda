"""Readers for annotation-tool exports and the project's simple JSONL, validating every record.

`read_annotations(path)` picks the reader from what the path holds:

- a folder: the SemEval-2023 task 3 layout (`training.readers.read_semeval_folder`), the
  SemEval-2021 task 6 files (`semeval2021`) or a BABE CSV (`babe`); a folder holding several is
  an error, resolved by naming the format (`format=`, or `FORMAT=PATH` in `--data`);
- a file starting with `[`: SemEval-2021 task 6 memes if its first element has `labels`, else a
  Label Studio JSON export (a list of tasks);
- a `;`-separated file whose header names `text`, `label_bias` and `biased_words`: BABE;
- a file starting with `{`: JSON Lines, either the simple format (records with `spans`/`frames`)
  or a doccano export (records with `label`, `labels` or `entities`).

Record-level problems (a bad offset, an unknown label, span text that does not match, a duplicate
id, a line that is not JSON, ...) drop that record and are returned as `AnnotationError`s naming the
file and line, so one bad record does not sink a whole export; `strict=True` raises the first one
instead. Problems with the file as a whole (missing, empty, not a format we know) always raise, and
so does anything the SemEval folder reader finds, since that reader stops at its first error.

Every format goes through `validate_document`, which the feedback store uses too: there is one set
of rules for what an annotated document may look like. data/FORMATS.md documents the formats.

Modules: `validation` (the rules), `collect` (records to documents and problems), one module per
format (`simple`, `doccano`, `labelstudio`, `semeval2021`, `babe`; the SemEval-2023 folder reader
is `training.readers`),
`detection` (which format a path holds, `read_annotations`) and `writing`.
"""

from framing.training.import_formats.babe import find_word_spans, read_babe_csv
from framing.training.import_formats.collect import ReadResult
from framing.training.import_formats.detection import (
    FORMATS,
    READERS,
    detect_annotation_format,
    read_annotations,
    split_format_prefix,
)
from framing.training.import_formats.doccano import read_doccano_jsonl
from framing.training.import_formats.labelstudio import read_labelstudio_json
from framing.training.import_formats.semeval2021 import TECHNIQUES_2021, read_semeval2021
from framing.training.import_formats.simple import read_simple_jsonl
from framing.training.import_formats.validation import RawSpan, validate_document, validate_id
from framing.training.import_formats.writing import document_to_record, write_jsonl, write_records

__all__ = [
    "FORMATS", "READERS", "TECHNIQUES_2021", "RawSpan", "ReadResult", "detect_annotation_format",
    "document_to_record", "find_word_spans", "read_annotations", "read_babe_csv", "read_doccano_jsonl",
    "read_labelstudio_json", "read_semeval2021", "read_simple_jsonl", "split_format_prefix",
    "validate_document", "validate_id", "write_jsonl", "write_records",
]
