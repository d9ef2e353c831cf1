"""Who the demo workspace's people are: shared by `seed_demo` and the `make run` banner."""

DEMO_WORKSPACE_SLUG = "shop-demo"
DEMO_PASSWORD = "demo12345"
# (email, role, display name)
DEMO_USERS = [
    ("owner@shopdemo.vn", "owner", "Trần Thị Mai"),
    ("admin@shopdemo.vn", "admin", "Lê Văn Hùng"),
    ("lan@shopdemo.vn", "agent", "Nguyễn Thị Lan"),
    ("minh@shopdemo.vn", "agent", "Phạm Quang Minh"),
    ("huong@shopdemo.vn", "agent", "Đỗ Thu Hương"),
    ("tuan@shopdemo.vn", "agent", "Vũ Anh Tuấn"),
]
