"""The one way files get into the system: checked, cleaned, stored outside the web root.

``store_upload`` (one file) and ``store_uploads`` (several, all or nothing):

1. size (``TONGXIN_UPLOAD_MAX_BYTES``) and count limits — per call
   (``TONGXIN_UPLOAD_MAX_FILES``), per owner object (``TONGXIN_UPLOAD_MAX_PER_OWNER``) and, for
   files not yet attached to anything, per uploader and day
   (``TONGXIN_UPLOAD_MAX_UNATTACHED_PER_DAY``);
2. the real type, from the first bytes, must be JPEG, PNG, WebP or PDF *and* match the
   extension (a PNG named ``.jpg``, HTML or SVG named ``.png``, an executable: refused);
3. images are decoded by Pillow with a pixel limit (``TONGXIN_UPLOAD_MAX_PIXELS``; a
   decompression bomb is refused before its pixels are allocated), turned upright from their
   EXIF orientation, and re-encoded from the pixels alone, so no EXIF (GPS, camera, serial
   number), XMP, ICC profile, comment or text chunk survives;
4. PDFs need a valid header and end marker and must hold no scripts, launch actions, embedded
   files, forms that submit or encryption; object streams are inflated (bounded) and scanned too;
5. the bytes go to ``TONGXIN_UPLOAD_ROOT`` (outside ``STATIC_ROOT`` and ``MEDIA_ROOT``; a
   system check says so) under a random name, and one ``StoredUpload`` row plus one audit row
   are written.

Files are served only by ``tongxin.core.views.file_download``, after ``access_upload``.
Refusals are ``ValidationFailed`` with a message a resident can act on.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import unicodedata
import warnings
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import clock

from . import audit, tokens
from .actors import Actor, as_account
from .errors import NotFound, ValidationFailed
from .i18n import StrOrLazy
from .models import StoredUpload

log = logging.getLogger(__name__)

Kind = StoredUpload.Kind

EXTENSIONS: dict[str, str] = {
    ".jpg": Kind.JPEG,
    ".jpeg": Kind.JPEG,
    ".png": Kind.PNG,
    ".webp": Kind.WEBP,
    ".pdf": Kind.PDF,
}
CONTENT_TYPES: dict[str, str] = {
    Kind.JPEG: "image/jpeg",
    Kind.PNG: "image/png",
    Kind.WEBP: "image/webp",
    Kind.PDF: "application/pdf",
}
IMAGE_KINDS = frozenset({Kind.JPEG, Kind.PNG, Kind.WEBP})
KIND_LABELS: dict[str, StrOrLazy] = {
    Kind.JPEG: gettext_lazy("JPEG 图片"),
    Kind.PNG: gettext_lazy("PNG 图片"),
    Kind.WEBP: gettext_lazy("WebP 图片"),
    Kind.PDF: gettext_lazy("PDF 文档"),
}
_PIL_FORMATS: dict[str, str] = {Kind.JPEG: "JPEG", Kind.PNG: "PNG", Kind.WEBP: "WEBP"}
ACCEPTED_TEXT = gettext_lazy("JPG、PNG、WebP 图片或 PDF 文件")

# PDF names that run code, open other programs or files, carry hidden files or send data out.
FORBIDDEN_PDF_NAMES = frozenset(
    {
        b"JS",
        b"JavaScript",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"RichMedia",
        b"XFA",
        b"SubmitForm",
        b"ImportData",
        b"GoToE",
    }
)
_PDF_HEADER = re.compile(rb"^%PDF-[12]\.\d")
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
PDF_INFLATE_BUDGET = 32 * 1024 * 1024
_PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def max_bytes() -> int:
    return int(getattr(settings, "TONGXIN_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def max_pixels() -> int:
    return int(getattr(settings, "TONGXIN_UPLOAD_MAX_PIXELS", 40_000_000))


def upload_root() -> Path:
    return Path(settings.TONGXIN_UPLOAD_ROOT)


# ------------------------------------------------------------------------------ inspection


@dataclass(frozen=True)
class CleanFile:
    """A file that passed every check, with the bytes to store (re-encoded for images)."""

    original_name: str
    kind: str
    data: bytes
    width: int | None = None
    height: int | None = None


def sniff(head: bytes) -> str | None:
    """The real type from the magic bytes, or ``None`` when it is none of ours."""
    if head.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind.WEBP
    if head.startswith(b"%PDF-"):
        return Kind.PDF
    return None


def clean_name(name: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    if len(base) > 255:
        stem, ext = os.path.splitext(base)
        base = stem[: 255 - len(ext)] + ext
    return base or _("未命名")


def _refuse(message: str, name: str = "") -> ValidationFailed:
    fields = [{"field": "file", "reason": message}] if name else []
    context = {"name": name} if name else None
    return ValidationFailed(message, fields=fields, context=context)


def _read_limited(file: Any, name: str) -> bytes:
    limit = max_bytes()
    size = getattr(file, "size", None)
    mb = limit // (1024 * 1024)
    if size is not None and size > limit:
        raise _refuse(_("文件“{name}”过大：单个文件最大 {mb} MB。").format(name=name, mb=mb), name)
    if hasattr(file, "seek"):
        with contextlib.suppress(OSError, ValueError):
            file.seek(0)
    data = file.read(limit + 1)
    if isinstance(data, str):
        raise _refuse(_("文件“{name}”无法读取。").format(name=name), name)
    if len(data) > limit:
        raise _refuse(_("文件“{name}”过大：单个文件最大 {mb} MB。").format(name=name, mb=mb), name)
    if not data:
        raise _refuse(_("文件“{name}”是空的。").format(name=name), name)
    return bytes(data)


def inspect_file(file: Any, *, accept: Iterable[str] | None = None) -> CleanFile:
    """Check one file and return what to store; ``ValidationFailed`` when it is refused."""
    name = clean_name(str(getattr(file, "name", "") or ""))
    allowed = frozenset(accept) if accept is not None else frozenset(CONTENT_TYPES)
    accepted_text = "、".join(str(KIND_LABELS[k]) for k in CONTENT_TYPES if k in allowed)
    ext = os.path.splitext(name)[1].lower()
    expected = EXTENSIONS.get(ext)
    if expected is None or expected not in allowed:
        raise _refuse(
            _("不支持文件“{name}”的类型：只接受 {accepted_text}。").format(
                name=name, accepted_text=accepted_text
            ),
            name,
        )
    data = _read_limited(file, name)
    actual = sniff(data[:16])
    if actual is None:
        raise _refuse(
            _(
                "文件“{name}”的内容不是 {accepted_text}，可能是改了扩展名的其他文件，已拒收。"
            ).format(name=name, accepted_text=accepted_text),
            name,
        )
    if actual != expected:
        raise _refuse(
            _(
                "文件“{name}”的扩展名是 {ext}，内容却是 {actual_kind}；请确认文件类型后重新上传。"
            ).format(name=name, ext=ext, actual_kind=KIND_LABELS[actual]),
            name,
        )
    if actual in IMAGE_KINDS:
        return _clean_image(name, actual, data)
    _check_pdf(name, data)
    return CleanFile(original_name=name, kind=actual, data=data)


def _clean_image(name: str, kind: str, data: bytes) -> CleanFile:
    from PIL import Image, ImageOps

    limit = max_pixels()
    too_big = _refuse(
        _("图片“{name}”的像素过多（上限 {max_megapixels:g} 百万像素），请缩小后再上传。").format(
            name=name, max_megapixels=limit / 1_000_000
        ),
        name,
    )
    broken = _refuse(
        _("图片“{name}”已损坏或无法识别，请重新拍摄或另存后再上传。").format(name=name), name
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[kind]]) as img:
                width, height = img.size
                if width <= 0 or height <= 0:
                    raise broken
                if width * height > limit:
                    raise too_big
                img.seek(0)  # an animation keeps its first frame only
                img.load()
                upright = ImageOps.exif_transpose(img)
            clean = _pixels_only(upright, kind)
            out = io.BytesIO()
            if kind == Kind.JPEG:
                clean.save(out, format="JPEG", quality=88, optimize=True)
            elif kind == Kind.PNG:
                clean.save(out, format="PNG", optimize=False)
            else:
                clean.save(out, format="WEBP", quality=88, method=4)
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except MemoryError:
        raise too_big from None
    except Exception:  # an untrusted decoder can fail in many ways; none is a server error
        log.info("image refused: %s", name, exc_info=True)
        raise broken from None
    return CleanFile(
        original_name=name, kind=kind, data=out.getvalue(), width=clean.width, height=clean.height
    )


def _pixels_only(img: Any, kind: str) -> Any:
    """A copy holding only the pixels: every metadata block of the source is left behind."""
    has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    mode: str
    if kind == Kind.JPEG:
        mode = "L" if img.mode in ("1", "L") else "RGB"
    elif kind == Kind.PNG:
        if img.mode in ("L", "LA", "RGB", "RGBA"):
            mode = img.mode
        else:
            mode = "RGBA" if has_alpha else ("L" if img.mode == "1" else "RGB")
    else:
        mode = "RGBA" if has_alpha else "RGB"
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F") and mode in ("RGB", "RGBA"):
        img = img.convert("L")
    clean = img.convert(mode)
    clean.info = {}
    return clean


def _pdf_names(chunk: bytes) -> set[bytes]:
    return {
        _PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), n) for n in _PDF_NAME.findall(chunk)
    }


def _check_pdf(name: str, data: bytes) -> None:
    if not _PDF_HEADER.match(data):
        raise _refuse(_("文件“{name}”不是有效的 PDF：文件头不正确。").format(name=name), name)
    if b"%%EOF" not in data[-4096:]:
        raise _refuse(
            _("文件“{name}”不是完整的 PDF，可能在传输中被截断，请重新上传。").format(name=name),
            name,
        )
    names = _pdf_names(data)
    if b"Encrypt" in names:
        raise _refuse(
            _("PDF“{name}”已加密，无法检查其内容；请去掉密码后再上传。").format(name=name), name
        )
    names |= _object_stream_names(name, data)
    bad = names & FORBIDDEN_PDF_NAMES
    if bad:
        log.info("pdf refused: %s holds %s", name, sorted(bad))
        raise _refuse(
            _(
                "PDF“{name}”含有脚本、自动执行的动作或嵌入的文件，出于安全原因不能上传；"
                "请用“打印为 PDF”另存一份后再上传。"
            ).format(name=name),
            name,
        )


def _object_stream_names(name: str, data: bytes) -> set[bytes]:
    """Names inside compressed object streams (PDF 1.5+), where a script can hide."""
    found: set[bytes] = set()
    budget = PDF_INFLATE_BUDGET
    for match in _PDF_STREAM.finditer(data):
        start = match.end()
        head_from = data.rfind(b"obj", max(0, match.start() - 2048), match.start())
        header = data[head_from if head_from >= 0 else max(0, match.start() - 2048) : start]
        header_names = _pdf_names(header)
        if b"ObjStm" not in header_names:
            continue
        end = data.find(b"endstream", start)
        raw = data[start : end if end >= 0 else len(data)]
        filters = header_names & {
            b"FlateDecode",
            b"Fl",
            b"LZWDecode",
            b"ASCIIHexDecode",
            b"ASCII85Decode",
            b"RunLengthDecode",
        }
        if not filters:
            found |= _pdf_names(raw)
            continue
        if filters - {b"FlateDecode", b"Fl"}:
            raise _refuse(
                _("PDF“{name}”使用了无法检查的压缩方式，请另存为普通 PDF 后再上传。").format(
                    name=name
                ),
                name,
            )
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(raw, budget + 1)
        except zlib.error:
            raise _refuse(
                _("PDF“{name}”已损坏，无法检查其内容。").format(name=name), name
            ) from None
        budget -= len(text)
        if budget < 0 or inflater.unconsumed_tail:
            raise _refuse(
                _("PDF“{name}”内容过于庞大，无法检查，请压缩或拆分后再上传。").format(name=name),
                name,
            )
        found |= _pdf_names(text)
    return found


# ------------------------------------------------------------------------------ storing


def _owner_key(owner: models.Model | None) -> tuple[ContentType | None, str]:
    if owner is None:
        return None, ""
    return ContentType.objects.get_for_model(owner), str(owner.pk)


def _check_owner_visible(actor: Actor, owner: models.Model) -> None:
    """Files can be attached only to objects the uploader may see."""
    manager = type(owner)._default_manager
    visible_to = getattr(manager, "visible_to", None)
    if visible_to is not None and not visible_to(actor).filter(pk=owner.pk).exists():
        raise NotFound()


def _check_counts(actor: Actor, count: int, owner_type: ContentType | None, owner_id: str) -> None:
    per_call = int(getattr(settings, "TONGXIN_UPLOAD_MAX_FILES", 9))
    if count == 0:
        raise _refuse(_("请选择要上传的文件。"))
    if count > per_call:
        raise _refuse(
            _("一次最多上传 {per_call} 个文件，您选择了 {count} 个。").format(
                per_call=per_call, count=count
            )
        )
    if owner_type is not None:
        per_owner = int(getattr(settings, "TONGXIN_UPLOAD_MAX_PER_OWNER", 30))
        existing = StoredUpload.objects.filter(owner_type=owner_type, owner_id=owner_id).count()
        if existing + count > per_owner:
            raise _refuse(
                _(
                    "每条记录最多附 {per_owner} 个文件，已有 {existing} 个，"
                    "还能再传 {remaining} 个。"
                ).format(
                    per_owner=per_owner, existing=existing, remaining=max(0, per_owner - existing)
                )
            )
    else:
        per_day = int(getattr(settings, "TONGXIN_UPLOAD_MAX_UNATTACHED_PER_DAY", 50))
        recent = StoredUpload.objects.filter(
            uploaded_by=as_account(actor),
            owner_type__isnull=True,
            created_at__gte=clock.now() - timedelta(days=1),
        ).count()
        if recent + count > per_day:
            raise _refuse(
                _("24 小时内最多上传 {per_day} 个未归档的文件，请稍后再试。").format(
                    per_day=per_day
                )
            )


def _write(data: bytes) -> str:
    """Write bytes under a fresh random name (created exclusively); the name relative to the
    upload root."""
    token = tokens.mint(40)
    relative = f"{token[:2]}/{token}"
    path = upload_root() / relative
    path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return relative


def _remove(relative: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        (upload_root() / relative).unlink()


def store_uploads(
    *,
    actor: Actor,
    files: Sequence[Any],
    purpose: str,
    owner: models.Model | None = None,
    accept: Iterable[str] | None = None,
) -> list[StoredUpload]:
    """Check every file first; then store them all, or none when any is refused."""
    if not actor.is_authenticated:
        raise NotFound()
    if not _PURPOSE.match(purpose):
        raise ValueError(f"invalid upload purpose {purpose!r}")
    if owner is not None:
        _check_owner_visible(actor, owner)
    owner_type, owner_id = _owner_key(owner)
    _check_counts(actor, len(files), owner_type, owner_id)
    accepted = list(accept) if accept is not None else None
    cleaned = [inspect_file(f, accept=accepted) for f in files]

    written: list[str] = []
    try:
        with transaction.atomic():
            stored = []
            for item in cleaned:
                relative = _write(item.data)
                written.append(relative)
                upload = StoredUpload.objects.create(
                    purpose=purpose,
                    kind=item.kind,
                    original_name=item.original_name,
                    storage_name=relative,
                    size=len(item.data),
                    sha256=hashlib.sha256(item.data).hexdigest(),
                    width=item.width,
                    height=item.height,
                    uploaded_by=as_account(actor),
                    owner_type=owner_type,
                    owner_id=owner_id,
                )
                audit.record(
                    actor=actor,
                    action="upload",
                    obj=upload,
                    detail={"purpose": purpose, "kind": item.kind, "size": len(item.data)},
                )
                stored.append(upload)
    except BaseException:
        for relative in written:
            _remove(relative)
        raise
    return stored


def store_upload(
    *,
    actor: Actor,
    file: Any,
    purpose: str,
    owner: models.Model | None = None,
    accept: Iterable[str] | None = None,
) -> StoredUpload:
    """Check and store one file (see the module docstring); ``ValidationFailed`` if refused.

    ``file`` is a Django ``UploadedFile`` or any object with ``name`` and ``read()``;
    ``purpose`` a short code (``case_photo``); ``owner`` the object the file belongs to, whose
    readers may read the file; ``accept`` narrows the kinds (``uploads.IMAGE_KINDS``).
    """
    return store_uploads(actor=actor, files=[file], purpose=purpose, owner=owner, accept=accept)[0]


# ------------------------------------------------------------------------------ reading


def can_read(user: Actor, upload: StoredUpload) -> bool:
    """The uploader may read their file; anyone else must be able to see the owner object."""
    if not user.is_authenticated or not user.is_active:
        return False
    if upload.uploaded_by_id is not None and upload.uploaded_by_id == user.pk:
        return True
    if upload.owner_type_id is None or not upload.owner_id:
        return False
    model = upload.owner_type.model_class() if upload.owner_type else None
    if model is None:
        return False
    visible_to = getattr(model._default_manager, "visible_to", None)
    if visible_to is None:
        return False
    try:
        return bool(visible_to(user).filter(pk=upload.owner_id).exists())
    except (ValueError, TypeError):
        return False


def access_upload(user: Actor, pk: Any) -> StoredUpload:
    """The upload if ``user`` may read it; ``NotFound`` otherwise (missing looks the same)."""
    try:
        upload = StoredUpload.objects.select_related("owner_type").get(pk=pk)
    except (StoredUpload.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound() from None
    if not can_read(user, upload):
        raise NotFound()
    return upload


def open_upload(upload: StoredUpload) -> IO[bytes]:
    """The stored bytes; ``NotFound`` when the file is gone from disk."""
    root = upload_root().resolve()
    path = (root / upload.storage_name).resolve()
    if root not in path.parents:
        raise NotFound()
    try:
        return path.open("rb")
    except FileNotFoundError:
        log.error("stored upload %s is missing on disk", upload.pk)
        raise NotFound() from None


# ------------------------------------------------------------------------------ checks


@checks.register(checks.Tags.security)
def check_upload_root(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Uploads must not be reachable by the web server's static or media routes."""
    root = Path(settings.TONGXIN_UPLOAD_ROOT).resolve()
    served = [Path(settings.STATIC_ROOT or "/nonexistent"), Path(settings.MEDIA_ROOT or "/none")]
    served += [Path(d if isinstance(d, str | Path) else d[1]) for d in settings.STATICFILES_DIRS]
    for public in served:
        public = public.resolve()
        if root == public or public in root.parents:
            return [
                checks.Error(
                    f"TONGXIN_UPLOAD_ROOT ({root}) lies inside a publicly served folder "
                    f"({public}).",
                    hint="Keep uploads outside STATIC_ROOT, MEDIA_ROOT and STATICFILES_DIRS.",
                    id="tongxin.E001",
                )
            ]
    return []
