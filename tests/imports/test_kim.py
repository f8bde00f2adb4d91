"""The Kim et al. (WWW 2020) Instagram influencer files import with the documented mapping:
``--platform instagram`` and the default column names (username, followers, followees, posts;
post_id, taken_at_timestamp, likes, comments, video_view_count, is_video,
is_paid_partnership, caption). Columns with no field (category, shortcode, ...) are ignored."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.creators.enums import Platform, PostType
from microreach.creators.models import Post, PostSnapshot
from microreach.imports.schemas import ImportKind
from tests.imports.support import account, counts, run, write

KIM = Path(__file__).resolve().parents[3] / "shared" / "data" / "kim2020-instagram-influencers"
INFLUENCERS = (
    "username,category,followers,followees,posts\n"
    "makeupbynvs,beauty,1432,1089,363\n"
    "jaquelinevandoski,beauty,137600,548,569\n"
    "00s_supermodels,fashion 0.5,2031,53,2520\n"
)
POSTS = (
    "shortcode,post_id,username,category,followers,followees,n_posts,taken_at_timestamp,likes,"
    "comments,is_video,video_view_count,comments_disabled,has_location,n_tagged_users,"
    "sponsor_users,is_paid_partnership,n_hashtags,caption,accessibility_caption,source_file\n"
    "BnttoGAlpwV,1868350087753014293,00s_supermodels,fashion,2031,53,2520,1536944708,83,0,0,,0,"
    '0,1,,0,0,"Happy birthday @kasscarmen ❤️ best wishes🍰",Image may contain: 2 people,x.info\n'
    "Bq1,1900000000000000001,makeupbynvs,beauty,1432,1089,363,1546300800,40,3,1,1200,0,0,0,"
    'brand,1,2,"New look #sponsored #makeup",,y.info\n'
)


def test_kim_files_import_with_the_documented_mapping(
    connection: Connection, tmp_path: Path
) -> None:
    options = {"platform": Platform.INSTAGRAM}
    creators = run(connection, write(tmp_path / "influencers.csv", INFLUENCERS), **options)
    assert (creators.imported, creators.rejected) == (3, 0)
    assert creators.ignored_columns == ("category",)
    nvs = account(connection, "makeupbynvs")
    assert (nvs.followers, nvs.following, nvs.media_count) == (1432, 1089, 363)

    posts = run(connection, write(tmp_path / "posts.csv", POSTS), ImportKind.POSTS, **options)
    assert (posts.imported, posts.rejected) == (2, 0)
    assert "shortcode" in posts.ignored_columns and "followers" in posts.ignored_columns
    video = connection.execute(
        sa.select(Post).where(Post.platform_post_id == "1900000000000000001")
    ).one()
    assert video.post_type is PostType.VIDEO and video.is_paid_partnership
    assert video.has_disclosure and video.hashtags == ["sponsored", "makeup"]
    counts_row = connection.execute(
        sa.select(PostSnapshot.likes, PostSnapshot.comments, PostSnapshot.views).where(
            PostSnapshot.post_id == video.id
        )
    ).one()
    assert tuple(counts_row) == (40, 3, 1200)
    photo = connection.execute(
        sa.select(Post).where(Post.platform_post_id == "1868350087753014293")
    ).one()
    assert photo.post_type is PostType.PHOTO and photo.mentions == ["kasscarmen"]


@pytest.mark.slow
@pytest.mark.skipif(not KIM.is_dir(), reason="the shared Kim et al. data is not present")
def test_the_real_kim_files(connection: Connection, tmp_path: Path) -> None:
    options = {"platform": Platform.INSTAGRAM}
    rejects = tmp_path / "rejects.csv"
    from microreach.imports import service

    creators = service.import_path(
        connection,
        KIM / "influencers.csv",
        service.ImportOptions(kind=ImportKind.CREATORS, **options),
        rejects_path=rejects,
    )
    assert creators.rows == 33_935 and creators.rejected == 0
    posts = service.import_path(
        connection,
        KIM / "posts_dev.csv",
        service.ImportOptions(kind=ImportKind.POSTS, **options),
        rejects_path=tmp_path / "posts.rejects.csv",
    )
    assert posts.rows == 27_832
    # Posts of owners missing from the influencer list, and posts listed twice in the sample.
    assert posts.imported > 27_000
    reasons = {e.reason.split(":")[0].split(" (")[0] for e in posts.errors}
    assert all(r.startswith(("no instagram account", "duplicate of line")) for r in reasons)
    before = counts(connection)
    again = service.import_path(
        connection,
        KIM / "posts_dev.csv",
        service.ImportOptions(kind=ImportKind.POSTS, **options),
        rejects_path=tmp_path / "posts.rejects.csv",
    )
    assert (again.created, again.updated, again.snapshots) == (0, 0, 0)
    assert counts(connection) == before
