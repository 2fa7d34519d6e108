"""Files attached through form fields: stored with the submission, served to who may see it.

A file field's value in the data is a reference "attachment:<id>/<filename>". Browsers
post files; API clients post data URLs ("data:<type>;name=<file>;base64,<content>", the
encoding react-jsonschema-form uses) or a reference to an attachment of the same
submission. Both are stored here and replaced by their reference before validation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import re
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from app.extensions import db
from app.models import Attachment, ProcessInstance, Task, User, fits_id
from app.services.foundation.clock import now
from app.services.foundation.errors import NotFound, ValidationFailed
from app.services.foundation.policy import can_see_instance

REFERENCE = re.compile(r"^attachment:(\d+)/(.*)$")
DATA_URL = re.compile(r"^data:([^;,]*)((?:;[^;,]*)*?);base64,(.*)$", re.S)


# Files a clerk's browser or desktop would run or render as a page: refused at upload,
# by name, by declared type, by the type the name implies and by content (a Windows or
# Linux executable renamed .pdf, an SVG or HTML page declared as image/png).
ACTIVE_EXTENSIONS = frozenset(
    [
        ".exe",
        ".dll",
        ".com",
        ".scr",
        ".pif",
        ".msi",
        ".msc",
        ".bat",
        ".cmd",
        ".ps1",
        ".psm1",
        ".vb",
        ".vbs",
        ".vbe",
        ".js",
        ".mjs",
        ".cjs",
        ".jsx",
        ".jse",
        ".wasm",
        ".wsf",
        ".wsh",
        ".wsc",
        ".sct",
        ".hta",
        ".htc",
        ".chm",
        ".jar",
        ".swf",
        ".sh",
        ".elf",
        ".html",
        ".htm",
        ".shtml",
        ".xhtml",
        ".xht",
        ".mht",
        ".mhtml",
        ".svg",
        ".svgz",
        ".xsl",
        ".xslt",
        ".lnk",
        ".url",
        ".reg",
        ".cpl",
        ".application",
        ".gadget",
    ]
)
ACTIVE_TYPES = frozenset(
    [
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-dosexec",
        "application/x-executable",
        "application/x-sh",
        "application/x-bat",
        "application/java-archive",
        "application/hta",
        "application/node",
        "application/wasm",
        "application/x-shockwave-flash",
        "application/vnd.adobe.flash.movie",
        "text/x-component",
        "text/jsx",
        "text/babel",
    ]
)
# A declared type naming any of these is script, a page or a picture that runs script:
# every JavaScript alias browsers honour (WHATWG's list: application/javascript,
# text/ecmascript, text/javascript1.5, text/jscript, text/livescript, application/x-
# javascript...), HTML and XHTML, SVG, XSLT. A word, not a list, so that a spelling
# nobody listed is refused too.
ACTIVE_TYPE_WORDS = (
    "javascript",
    "ecmascript",
    "jscript",
    "livescript",
    "vbscript",
    "html",
    "svg",
    "xsl",
)
ACTIVE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\x00asm")
# What a browser's sniffer takes for a page (WHATWG MIME Sniffing's HTML patterns: a tag
# at the start, then a space, `>` or `/`), plus SVG, OBJECT and EMBED.
PAGE_START = re.compile(
    r"<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
    r"|!--|svg|object|embed)[\s/>]"
)
XML_CARRIES = ("<svg", "<html", "<script", "/1999/xhtml", "/2000/svg", "xsl:stylesheet")
ACTIVE_REFUSED = _l("Executable files and web pages are not accepted.")
_TYPES_BY_NAME = mimetypes.MimeTypes()  # Python's own table, not the host's /etc/mime.types


def is_active_content(filename: str, content_type: str, content: bytes) -> bool:
    """Whether a file would run or render as a page, judged by each of its name, its
    declared type, the type its name implies and its first bytes: any one is enough."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].lower()
    names = {name.rstrip(". \t\x00"), name.split(":", 1)[0].rstrip(". \t\x00")}
    if any(n.endswith(ext) for n in names for ext in ACTIVE_EXTENSIONS):
        return True
    implied = [_TYPES_BY_NAME.guess_type(n, strict=False)[0] or "" for n in names]
    if any(is_active_type(t) for t in (content_type, *implied)):
        return True
    return content.startswith(ACTIVE_MAGIC) or sniffs_as_page(content)


def is_active_type(content_type: str | None) -> bool:
    """Whether a declared MIME type is script, a page or active content, parameters,
    case and stray spaces aside (`Text/JavaScript; charset=utf-8` is script)."""
    essence = "".join((content_type or "").split(";", 1)[0].split()).lower()
    return essence in ACTIVE_TYPES or any(word in essence for word in ACTIVE_TYPE_WORDS)


def sniffs_as_page(content: bytes) -> bool:
    """Whether the first bytes read as HTML, SVG or XML carrying either, whatever the
    name and declared type say (an SVG with `onload` posing as image/png)."""
    head = content[:1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    text = text.lstrip(" \t\n\r\x0c").lower()
    if PAGE_START.match(text):
        return True
    return text.startswith("<?xml") and any(mark in text for mark in XML_CARRIES)


def reference(attachment: Attachment) -> str:
    return f"attachment:{attachment.id}/{attachment.filename}"


def store_uploads(actor: User, instance: ProcessInstance, task: Task | None, data: Any) -> Any:
    """Replace every uploaded file in `data` by a stored attachment's reference."""
    problems: list[dict] = []
    result = _walk(actor, instance, task, data, "", problems)
    if problems:
        raise ValidationFailed(_l("The attachments have errors."), details=problems)
    return result


def _walk(actor, instance, task, value, path, problems):
    if isinstance(value, dict):
        return {
            k: _walk(actor, instance, task, v, f"{path}/{k}", problems) for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _walk(actor, instance, task, v, f"{path}/{i}", problems) for i, v in enumerate(value)
        ]
    if isinstance(value, FileStorage):
        if not value.filename:
            return None
        return _save(
            actor, instance, task, value.filename, value.mimetype, value.read(), path, problems
        )
    if isinstance(value, str) and value.startswith("data:"):
        match = DATA_URL.match(value)
        if not match:
            problems.append({"path": path, "message": "附件须为 base64 data URL"})
            return value
        params = dict(p.split("=", 1) for p in match.group(2).strip(";").split(";") if "=" in p)
        try:
            content = base64.b64decode(match.group(3), validate=True)
        except (binascii.Error, ValueError):
            problems.append({"path": path, "message": "附件内容不是有效的 base64"})
            return value
        filename = params.get("name", "attachment")
        return _save(
            actor,
            instance,
            task,
            filename,
            match.group(1) or "application/octet-stream",
            content,
            path,
            problems,
        )
    if isinstance(value, str) and value.startswith("attachment:"):
        match = REFERENCE.match(value)
        found = match and fits_id(int(match.group(1)))
        attachment = db.session.get(Attachment, int(match.group(1))) if found else None
        if attachment is None or attachment.instance_id != instance.id:
            problems.append(
                {"path": path, "message": _l("The attachment is not this submission's file.")}
            )
        return value
    return value


def _save(actor, instance, task, filename, content_type, content, path, problems):
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    if len(content) > limit:
        problems.append(
            {
                "path": path,
                "message": _l(
                    "The attachment is larger than the limit of %(limit)s MB.",
                    limit=limit // (1024 * 1024),
                ),
            }
        )
        return None
    if is_active_content(filename, content_type, content):
        problems.append({"path": path, "message": ACTIVE_REFUSED})
        return None
    name = secure_filename(filename) or "attachment"
    # Chinese file names are what clerks use; keep them, minus path separators and
    # control characters (a newline would break the download's header).
    display = "".join(
        "_" if ch in "/\\" or ord(ch) < 32 or ord(ch) == 127 else ch for ch in filename
    ).strip()
    display = display.lstrip(".") or name
    attachment = Attachment(
        instance_id=instance.id,
        task_id=task.id if task else None,
        filename=display[:255],
        content_type=content_type[:100],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_id=actor.id,
        uploaded_at=now(),
        content=content,
    )
    db.session.add(attachment)
    db.session.flush()
    return reference(attachment)


def get_attachment(actor: User, attachment_id: int) -> Attachment:
    """An attachment, for those who may see its submission. Raises NotFound otherwise."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(_l("No such attachment."))
    instance = db.session.get(ProcessInstance, attachment.instance_id)
    if instance is None or not can_see_instance(actor, instance):
        raise NotFound(_l("No such attachment."))
    return attachment
