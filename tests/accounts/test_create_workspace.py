from io import StringIO

from django.core.management import call_command

from accounts.models import Membership, User, Workspace


def test_creates_workspace_and_owner_with_unique_slug(db):
    out = StringIO()
    call_command("create_workspace", name="Shop Hoa Mai", owner_email="Mai@Example.com", stdout=out)
    call_command("create_workspace", name="Shop Hoa Mai", owner_email="mai@example.com", stdout=out)
    slugs = sorted(Workspace.objects.values_list("slug", flat=True))
    assert slugs == ["shop-hoa-mai", "shop-hoa-mai-2"]
    owner = User.objects.get(email="mai@example.com")
    assert Membership.objects.filter(user=owner, role="owner").count() == 2
    password = out.getvalue().split("password: ")[1].split()[0]
    assert owner.check_password(password)
    assert Workspace.objects.get(slug="shop-hoa-mai").time_zone == "Asia/Ho_Chi_Minh"
