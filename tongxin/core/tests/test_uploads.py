"""The upload service against a hostile set: disguised types, SVG with a script, an
executable, decompression bombs, oversized files, GPS-tagged photos, PDFs with scripts. Each
is refused with a clear Chinese message or cleaned; none raises anything but
``ValidationFailed``. Then the download view: only the uploader and those who may see the
owner object get the file; everyone else gets the same 404 as for a missing file."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, PngImagePlugin

from tongxin.core import uploads
from tongxin.core.errors import NotFound, ValidationFailed
from tongxin.core.models import AuditEvent, StoredUpload
from tongxin.workbench.tests.helpers import without_tokens

GPS_IFD = 0x8825  # 34853
EXIF_IFD = 0x8769
MAKE, MODEL, SOFTWARE, ORIENTATION, DATETIME = 0x010F, 0x0110, 0x0131, 0x0112, 0x0132
BODY_SERIAL = 0xA431


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    root = tmp_path / "uploads"
    settings.TONGXIN_UPLOAD_ROOT = root
    return root


# ------------------------------------------------------------------ sample files


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "Huawei"
    exif[MODEL] = "P60 Pro"
    exif[SOFTWARE] = "HarmonyOS 4.0"
    exif[DATETIME] = "2026:05:01 09:30:00"
    exif[ORIENTATION] = orientation
    exif.get_ifd(EXIF_IFD)[BODY_SERIAL] = "SN-8842-XYZ"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (30.0, 55.0, 30.12)
    gps[3] = "E"
    gps[4] = (113.0, 54.0, 54.6)
    return exif


def image_bytes(fmt: str, size=(40, 20), mode: str = "RGB", **save) -> bytes:  # type: ignore[no-untyped-def]
    img = Image.new(mode, size, color=(200, 30, 30) if mode == "RGB" else None)
    # A marker in the top-left corner to check that orientation was applied.
    for x in range(5):
        for y in range(5):
            img.putpixel((x, y), (0, 0, 255) if mode == "RGB" else 0)
    out = io.BytesIO()
    img.save(out, format=fmt, **save)
    return out.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def stored_image(record: StoredUpload) -> Image.Image:
    data = (Path(uploads.upload_root()) / record.storage_name).read_bytes()
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def minimal_pdf(extra: bytes = b"") -> bytes:
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R "
        + extra
        + b" >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def png_declaring(
    width: int, height: int, idat: bytes = b"", bit_depth: int = 8, colour_type: int = 2
) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` but whose data is tiny."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", idat or zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def refused(actor, name: str, data: bytes, **kwargs) -> ValidationFailed:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as caught:
        uploads.store_upload(actor=actor, file=upload(name, data), purpose="test", **kwargs)
    assert caught.value.code == "VALIDATION_FAILED"
    assert caught.value.message
    return caught.value


@pytest.fixture
def grid1(demo):  # type: ignore[no-untyped-def]
    return demo.user("grid1")


def no_files_written(root: Path) -> bool:
    return not root.exists() or not any(p.is_file() for p in root.rglob("*"))


# ------------------------------------------------------------------ good files, cleaned


def test_a_gps_tagged_jpeg_is_stored_without_any_metadata(grid1, upload_root):
    data = image_bytes("JPEG", exif=gps_exif().tobytes(), comment=b"taken at home")
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(GPS_IFD), "the sample really carries GPS"
    record = uploads.store_upload(actor=grid1, file=upload("现场.jpg", data), purpose="test")
    assert record.kind == "jpeg"
    clean = stored_image(record)
    assert clean.format == "JPEG"
    assert not clean.getexif(), dict(clean.getexif())
    assert not clean.getexif().get_ifd(GPS_IFD)
    assert "exif" not in clean.info and "comment" not in clean.info
    assert "icc_profile" not in clean.info and "xmp" not in clean.info
    stored = (upload_root / record.storage_name).read_bytes()
    for needle in (b"Exif", b"Huawei", b"P60", b"SN-8842", b"taken at home", b"HarmonyOS"):
        assert needle not in stored
    assert (record.width, record.height) == (40, 20)


def test_orientation_is_applied_before_the_exif_is_dropped(grid1):
    # Orientation 6: the camera was turned; viewers rotate 90° clockwise to show it upright.
    data = image_bytes("JPEG", size=(40, 20), exif=gps_exif(orientation=6).tobytes())
    record = uploads.store_upload(actor=grid1, file=upload("turned.jpeg", data), purpose="test")
    clean = stored_image(record)
    assert clean.size == (20, 40)
    assert (record.width, record.height) == (20, 40)
    # The blue marker, top-left in the sensor's frame, is now top-right.
    r, _g, b = clean.getpixel((17, 2))
    assert b > 150 and r < 100


def test_png_text_chunks_and_exif_are_dropped(grid1, upload_root):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "王小明 13800138000")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 30.9</x:xmpmeta>")
    data = image_bytes("PNG", pnginfo=info, exif=gps_exif().tobytes())
    record = uploads.store_upload(actor=grid1, file=upload("map.png", data), purpose="test")
    clean = stored_image(record)
    assert clean.format == "PNG"
    assert not clean.getexif()
    assert not getattr(clean, "text", {})
    stored = (upload_root / record.storage_name).read_bytes()
    assert b"13800138000" not in stored and b"xmpmeta" not in stored and b"eXIf" not in stored


def test_webp_is_accepted_and_cleaned(grid1):
    data = image_bytes("WEBP", exif=gps_exif().tobytes())
    record = uploads.store_upload(actor=grid1, file=upload("photo.webp", data), purpose="test")
    clean = stored_image(record)
    assert clean.format == "WEBP"
    assert not clean.getexif()


@pytest.mark.parametrize("mode", ["P", "L", "RGBA", "CMYK", "1"])
def test_unusual_colour_modes_are_converted_not_refused(grid1, mode):
    img = Image.new(mode, (16, 16))
    out = io.BytesIO()
    fmt = "JPEG" if mode in ("CMYK", "L") else "PNG"
    img.save(out, format=fmt)
    name = "x.jpg" if fmt == "JPEG" else "x.png"
    record = uploads.store_upload(actor=grid1, file=upload(name, out.getvalue()), purpose="test")
    assert stored_image(record).size == (16, 16)


def test_a_clean_pdf_is_stored_as_is(grid1, upload_root):
    data = minimal_pdf()
    record = uploads.store_upload(actor=grid1, file=upload("申请表.pdf", data), purpose="test")
    assert record.kind == "pdf"
    assert (upload_root / record.storage_name).read_bytes() == data


def test_files_get_random_names_outside_the_web_root(grid1, upload_root, settings):
    data = image_bytes("PNG")
    a = uploads.store_upload(actor=grid1, file=upload("../../etc/photo.png", data), purpose="test")
    b = uploads.store_upload(actor=grid1, file=upload("photo.png", data), purpose="test")
    assert a.original_name == "photo.png"
    assert a.storage_name != b.storage_name
    for record in (a, b):
        path = (upload_root / record.storage_name).resolve()
        assert path.is_file() and upload_root.resolve() in path.parents
        assert "photo" not in path.name and not path.suffix
        assert len(path.name) == 40
    for public in (settings.STATIC_ROOT, settings.MEDIA_ROOT):
        assert Path(public).resolve() not in Path(settings.TONGXIN_UPLOAD_ROOT).resolve().parents


def test_every_stored_file_is_audited(grid1):
    record = uploads.store_upload(
        actor=grid1, file=upload("a.png", image_bytes("PNG")), purpose="test"
    )
    row = AuditEvent.objects.get(action="upload", object_id=str(record.pk))
    assert row.actor == grid1
    assert row.detail["kind"] == "png"


# ------------------------------------------------------------------ hostile files, refused


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("photo.jpg", image_bytes("PNG"), "内容却是 PNG 图片"),
        ("photo.png", image_bytes("JPEG"), "内容却是 JPEG 图片"),
        ("scan.pdf", image_bytes("PNG"), "内容却是 PNG 图片"),
        ("photo.webp", minimal_pdf(), "内容却是 PDF 文档"),
        ("page.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "不是"),
        (
            "icon.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
            "不是",
        ),
        (
            "icon.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
            "不支持",
        ),
        ("setup.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "不是"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 64, "不支持"),
        ("shell.php.jpg", b"<?php system($_GET['c']); ?>", "不是"),
        ("noextension", image_bytes("PNG"), "不支持"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 30, "不支持"),
    ],
)
def test_disguised_and_foreign_types_are_refused(grid1, upload_root, name, data, says):
    error = refused(grid1, name, data)
    assert says in error.message, error.message
    assert no_files_written(upload_root)
    assert not StoredUpload.objects.exists()


def test_a_decompression_bomb_is_refused_without_allocating_it(grid1, upload_root):
    # 400 megapixels of zeros compress to a few hundred KB.
    width = height = 20_000
    row = b"\x00" + b"\x00" * (width // 8)
    bomb = png_declaring(
        width, height, idat=zlib.compress(row * height, 9), bit_depth=1, colour_type=0
    )
    assert len(bomb) < 200_000
    error = refused(grid1, "bomb.png", bomb)
    assert "像素过多" in error.message
    assert no_files_written(upload_root)


def test_an_image_over_the_pixel_limit_is_refused(grid1, settings):
    settings.TONGXIN_UPLOAD_MAX_PIXELS = 1000
    error = refused(grid1, "big.jpg", image_bytes("JPEG", size=(40, 30)))
    assert "像素过多" in error.message
    assert uploads.store_upload(
        actor=grid1, file=upload("ok.jpg", image_bytes("JPEG", size=(30, 30))), purpose="test"
    )


def test_a_header_that_lies_about_its_size_is_refused(grid1):
    error = refused(grid1, "liar.png", png_declaring(9000, 9000))
    assert "像素过多" in error.message
    error = refused(grid1, "liar2.png", png_declaring(100, 100))
    assert "已损坏" in error.message


def test_an_oversized_file_is_refused_before_it_is_read(grid1, settings):
    settings.TONGXIN_UPLOAD_MAX_BYTES = 1024 * 1024
    data = image_bytes("PNG")
    big = upload("big.png", data)
    big.size = 5 * 1024 * 1024
    with pytest.raises(ValidationFailed, match="过大：单个文件最大 1 MB"):
        uploads.store_upload(actor=grid1, file=big, purpose="test")


def test_an_oversized_file_without_a_declared_size_is_refused(grid1, settings):
    settings.TONGXIN_UPLOAD_MAX_BYTES = 1000

    class Stream(io.BytesIO):
        name = "huge.jpg"

    with pytest.raises(ValidationFailed, match="过大"):
        uploads.store_upload(
            actor=grid1, file=Stream(b"\xff\xd8\xff" + b"\x00" * 5000), purpose="test"
        )


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # JPEG magic, then nothing
        b"\xff\xd8\xff" + bytes(range(256)) * 4,
    ],
)
def test_corrupt_images_are_refused_as_broken(grid1, data):
    assert "已损坏" in refused(grid1, "broken.jpg", data).message


def test_an_empty_file_is_refused(grid1):
    assert "是空的" in refused(grid1, "empty.png", b"").message


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", "含有脚本"),
        (b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>", "含有脚本"),
        (b"/OpenAction << /S /Launch /F (cmd.exe) >>", "含有脚本"),
        (b"/Names << /EmbeddedFiles << /Names [(a.exe) 3 0 R] >> >>", "含有脚本"),
        (b"/AcroForm << /XFA 5 0 R >>", "含有脚本"),
        (b"/Encrypt 9 0 R", "已加密"),
    ],
)
def test_pdfs_with_active_content_are_refused(grid1, upload_root, extra, says):
    error = refused(grid1, "form.pdf", minimal_pdf(extra))
    assert says in error.message, error.message
    assert no_files_written(upload_root)


def test_a_script_hidden_in_a_compressed_object_stream_is_found(grid1):
    hidden = zlib.compress(b"3 0 << /S /JavaScript /JS (app.alert(1)) >>")
    pdf = (
        b"%PDF-1.7\n4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(hidden)).encode()
        + b" >>\nstream\n"
        + hidden
        + b"\nendstream\nendobj\n"
        + minimal_pdf()[len(b"%PDF-1.7\n") :]
    )
    assert b"JavaScript" not in pdf
    assert "含有脚本" in refused(grid1, "packed.pdf", pdf).message


def test_a_compressed_object_stream_bomb_is_refused(grid1, monkeypatch):
    monkeypatch.setattr(uploads, "PDF_INFLATE_BUDGET", 10_000)
    packed = zlib.compress(b"0" * 100_000)
    pdf = (
        b"%PDF-1.7\n4 0 obj\n<< /Type /ObjStm /Filter /FlateDecode >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\n%%EOF\n"
    )
    assert "过于庞大" in refused(grid1, "bomb.pdf", pdf).message


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"%PDX-1.7 not a pdf", "不是"),
        (b"%PDF-1.7\n1 0 obj << >> endobj\n", "不是完整的 PDF"),
        (b"%PDF-x.y\n%%EOF", "文件头不正确"),
    ],
)
def test_malformed_pdfs_are_refused(grid1, data, says):
    assert says in refused(grid1, "x.pdf", data).message


def test_accept_narrows_the_kinds(grid1):
    error = refused(grid1, "scan.pdf", minimal_pdf(), accept=uploads.IMAGE_KINDS)
    assert "只接受 JPEG 图片、PNG 图片、WebP 图片" in error.message


# ------------------------------------------------------------------ counts, all or nothing


def test_too_many_files_in_one_go_are_refused(grid1, settings, upload_root):
    settings.TONGXIN_UPLOAD_MAX_FILES = 2
    files = [upload(f"{i}.png", image_bytes("PNG")) for i in range(3)]
    with pytest.raises(ValidationFailed, match="一次最多上传 2 个文件"):
        uploads.store_uploads(actor=grid1, files=files, purpose="test")
    assert no_files_written(upload_root)


def test_one_bad_file_stores_none_of_the_batch(grid1, upload_root):
    files = [upload("good.png", image_bytes("PNG")), upload("bad.jpg", image_bytes("PNG"))]
    with pytest.raises(ValidationFailed) as caught:
        uploads.store_uploads(actor=grid1, files=files, purpose="test")
    assert caught.value.context["name"] == "bad.jpg"
    assert no_files_written(upload_root)
    assert not StoredUpload.objects.exists()


def test_a_database_failure_removes_the_written_files(grid1, upload_root, monkeypatch):
    def fail(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(uploads.audit, "record", fail)
    with pytest.raises(RuntimeError):
        uploads.store_upload(actor=grid1, file=upload("a.png", image_bytes("PNG")), purpose="test")
    assert no_files_written(upload_root)


def test_files_per_owner_are_limited(demo, grid1, settings):
    from tongxin.people.models import Person

    settings.TONGXIN_UPLOAD_MAX_PER_OWNER = 2
    person = Person.objects.visible_to(grid1).order_by("pk").first()
    for i in range(2):
        uploads.store_upload(
            actor=grid1, file=upload(f"{i}.png", image_bytes("PNG")), purpose="test", owner=person
        )
    with pytest.raises(ValidationFailed, match="每条记录最多附 2 个文件"):
        uploads.store_upload(
            actor=grid1, file=upload("3.png", image_bytes("PNG")), purpose="test", owner=person
        )


def test_unattached_files_per_day_are_limited(grid1, settings):
    settings.TONGXIN_UPLOAD_MAX_UNATTACHED_PER_DAY = 1
    uploads.store_upload(actor=grid1, file=upload("1.png", image_bytes("PNG")), purpose="test")
    with pytest.raises(ValidationFailed, match="24 小时内最多上传 1 个"):
        uploads.store_upload(actor=grid1, file=upload("2.png", image_bytes("PNG")), purpose="test")


def test_files_cannot_be_attached_to_an_object_out_of_scope(demo, grid1):
    from tongxin.people.models import Person

    other = Person.objects.filter(grid=demo.grid(2)).order_by("pk").first()
    assert not Person.objects.visible_to(grid1).filter(pk=other.pk).exists()
    with pytest.raises(NotFound):
        uploads.store_upload(
            actor=grid1, file=upload("a.png", image_bytes("PNG")), purpose="test", owner=other
        )


def test_anonymous_callers_cannot_store(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotFound):
        uploads.store_upload(
            actor=AnonymousUser(), file=upload("a.png", image_bytes("PNG")), purpose="test"
        )


def test_the_upload_root_may_not_be_publicly_served(settings):
    settings.TONGXIN_UPLOAD_ROOT = Path(settings.MEDIA_ROOT) / "uploads"
    assert [e.id for e in uploads.check_upload_root()] == ["tongxin.E001"]
    settings.TONGXIN_UPLOAD_ROOT = Path(settings.STATIC_ROOT)
    assert [e.id for e in uploads.check_upload_root()] == ["tongxin.E001"]


def test_the_default_upload_root_is_under_var_and_passes_the_check():
    from django.conf import settings as live

    assert Path(live.TONGXIN_UPLOAD_ROOT).name == "uploads"


# ------------------------------------------------------------------ the download view


@pytest.fixture
def person_photo(demo, grid1):  # type: ignore[no-untyped-def]
    from tongxin.people.models import Person

    # Someone on grid 1 whom the building head and the demo resident do not see.
    hidden = set()
    for other in ("building", "resident"):
        hidden |= set(Person.objects.visible_to(demo.user(other)).values_list("pk", flat=True))
    person = Person.objects.filter(grid=demo.grid(1)).exclude(pk__in=hidden).order_by("pk").first()
    data = image_bytes("JPEG", exif=gps_exif().tobytes())
    return uploads.store_upload(
        actor=grid1, file=upload("门牌照片.jpg", data), purpose="test", owner=person
    )


def test_the_uploader_gets_the_file_with_safe_headers(demo, person_photo):
    response = demo.client("grid1").get(f"/files/{person_photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("inline;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]
    body = b"".join(response.streaming_content)
    assert body[:3] == b"\xff\xd8\xff" and b"Huawei" not in body


def test_someone_who_sees_the_owner_gets_the_file(demo, person_photo):
    response = demo.client("secretary").get(f"/files/{person_photo.pk}/")
    assert response.status_code == 200


def test_another_grids_worker_gets_404_like_a_missing_file(demo, person_photo):
    other = demo.client("grid2")
    forbidden = other.get(f"/files/{person_photo.pk}/")
    missing = other.get(f"/files/{uuid.uuid4()}/")  # noqa: TID251
    assert forbidden.status_code == missing.status_code == 404
    assert without_tokens(forbidden.content.decode()) == without_tokens(missing.content.decode())


@pytest.mark.parametrize(
    "username", ["grid2", "building", "resident", "dept", "sysadmin", "auditor"]
)
def test_nobody_else_gets_the_file(demo, person_photo, username):
    from tongxin.people.models import Person

    owner = Person.objects.get(pk=person_photo.owner_id)
    assert not Person.objects.visible_to(demo.user(username)).filter(pk=owner.pk).exists()
    assert demo.client(username).get(f"/files/{person_photo.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(demo, person_photo):
    response = Client().get(f"/files/{person_photo.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_file_without_owner_is_for_its_uploader_only(demo, grid1):
    record = uploads.store_upload(
        actor=grid1, file=upload("a.png", image_bytes("PNG")), purpose="test"
    )
    assert demo.client("grid1").get(f"/files/{record.pk}/").status_code == 200
    assert demo.client("secretary").get(f"/files/{record.pk}/").status_code == 404


def test_pdfs_are_always_downloaded_not_opened(demo, grid1):
    record = uploads.store_upload(actor=grid1, file=upload("表.pdf", minimal_pdf()), purpose="test")
    response = demo.client("grid1").get(f"/files/{record.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_file_missing_on_disk_is_a_404_not_a_500(demo, person_photo, upload_root):
    (upload_root / person_photo.storage_name).unlink()
    assert demo.client("grid1").get(f"/files/{person_photo.pk}/").status_code == 404


def test_a_bad_owner_reference_is_a_404_not_a_500(demo, grid1):
    from django.contrib.contenttypes.models import ContentType

    from tongxin.people.models import Person

    record = uploads.store_upload(
        actor=grid1, file=upload("a.png", image_bytes("PNG")), purpose="test"
    )
    StoredUpload.objects.filter(pk=record.pk).update(
        owner_type=ContentType.objects.get_for_model(Person), owner_id="not-a-number"
    )
    assert demo.client("secretary").get(f"/files/{record.pk}/").status_code == 404
