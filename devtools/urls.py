"""The URLs when the development tooling is on (ROOT_URLCONF with DJANGO_DEVTOOLS): the
product's own (web.urls) plus the routes only development and the benches use."""

from django.urls import path

from devtools.views import bench_insert
from web.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    *product_urlpatterns,
    path("_bench/insert/", bench_insert, name="bench_insert"),
]
