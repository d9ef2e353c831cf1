"""Run the Graph API stand-in (devtools.standin) over HTTP: what the product sends is
recorded (GET /_sent) and errors can be ordered (POST /_fail). Set META_GRAPH_URL to the
printed address."""

from django.core.management.base import BaseCommand

from devtools import standin


class Command(BaseCommand):
    help = "Serve a local stand-in for Meta's Graph API send endpoints."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args, **options):
        server = standin.make_server(options["host"], options["port"])
        self.stdout.write(f"Graph API stand-in on {standin.base_url(server)}", ending="\n")
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
