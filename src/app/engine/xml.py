"""Parsing untrusted BPMN XML: UTF-8 only, no DTDs, no entities, no network."""

import re

from flask_babel import gettext as _
from lxml import etree

from app.engine.errors import DiagramError

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 (and UTF-32 LE, which starts the same)
_DECLARED = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


def parse_xml(content: bytes) -> etree._Element:
    """Parse `content`, refusing any DOCTYPE (the door to entity-expansion attacks) and any
    encoding but UTF-8."""
    if not content or not content.strip():
        raise DiagramError(_("The file is empty."))
    require_utf8(content)
    try:
        tree = etree.fromstring(content, parser=_PARSER).getroottree()
    except etree.XMLSyntaxError as exc:
        raise DiagramError(_("Malformed XML: %(reason)s", reason=str(exc))) from exc
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DiagramError(_("DTD and entity declarations are refused."))
    return tree.getroot()


def require_utf8(content: bytes) -> None:
    """Diagrams are stored, compared and served as UTF-8 text, as bpmn-js and every BPMN
    modeler write them. lxml would read a GBK, Latin-1 or UTF-16 file, but the text kept
    would then either fail to decode or contradict its own declaration; so any other
    encoding is refused, naming it, whether declared, marked or undeclared."""
    if content.startswith(_WIDE_BOMS) or content.startswith(b"\x00\x00") or b"\x00" in content[:4]:
        raise DiagramError(_("The file is UTF-16 or UTF-32: save it as UTF-8 and upload it again."))
    declared = _DECLARED.match(content)
    name = declared.group(1).decode("ascii", "replace").strip() if declared else ""
    if name and name.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise DiagramError(
            _(
                "The file declares the encoding %(name)s: save it as UTF-8 and upload it again.",
                name=name[:40],
            )
        )
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise DiagramError(
            _(
                "Line %(line)s holds bytes that are not UTF-8: save the file as UTF-8 and "
                "upload it again.",
                line=line,
            )
        ) from None
