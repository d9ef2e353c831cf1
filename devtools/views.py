from django.db import connection
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def bench_insert(request):
    """bench/ingest.py's ceiling: the same stack doing one INSERT into the table the bench
    creates (bench_ping), nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_ping (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse("OK", content_type="text/plain")
