"""Threshold takes no files: the only upload handler refuses a file part before a byte of it is stored."""
from django.core.exceptions import BadRequest
from django.core.files.uploadhandler import FileUploadHandler


class FileUploadRefused(BadRequest):
    pass


class RefuseFiles(FileUploadHandler):
    """Stops parsing at the first file part, so nothing is written to memory or to the temporary directory."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        raise FileUploadRefused(f"a file part ({field_name!r}) was sent; this application accepts no files")
