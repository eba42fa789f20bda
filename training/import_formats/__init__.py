"""Readers for annotation-tool exports and the project's simple JSONL, validating every record.

`read_annotations(path)` picks the reader from what the path holds:

- a folder: the SemEval-2023 task 3 layout (`training.readers.read_semeval_folder`);
- a file starting with `[`: a Label Studio JSON export (a list of tasks);
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
format (`simple`, `doccano`, `labelstudio`; the SemEval folder reader is `training.readers`),
`detection` (which format a path holds, `read_annotations`) and `writing`.
"""

from framing.training.import_formats.collect import ReadResult
from framing.training.import_formats.detection import FORMATS, READERS, detect_annotation_format, read_annotations
from framing.training.import_formats.doccano import read_doccano_jsonl
from framing.training.import_formats.labelstudio import read_labelstudio_json
from framing.training.import_formats.simple import read_simple_jsonl
from framing.training.import_formats.validation import RawSpan, validate_document, validate_id
from framing.training.import_formats.writing import document_to_record, write_jsonl, write_records

__all__ = [
    "FORMATS", "READERS", "RawSpan", "ReadResult", "detect_annotation_format", "document_to_record",
    "read_annotations", "read_doccano_jsonl", "read_labelstudio_json", "read_simple_jsonl",
    "validate_document", "validate_id", "write_jsonl", "write_records",
]
