"""Parsing untrusted BPMN XML: no DTDs, no entities, no network."""

from lxml import etree

from app.engine.errors import DiagramError

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


def parse_xml(content: bytes) -> etree._Element:
    """Parse `content`, refusing any DOCTYPE (the door to entity-expansion attacks)."""
    if not content or not content.strip():
        raise DiagramError("文件为空 (the file is empty)")
    try:
        tree = etree.fromstring(content, parser=_PARSER).getroottree()
    except etree.XMLSyntaxError as exc:
        raise DiagramError(f"XML 格式错误 (malformed XML): {exc}") from exc
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DiagramError("不允许 DTD 或实体声明 (DTD/entity declarations are refused)")
    return tree.getroot()
