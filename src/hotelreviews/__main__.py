from hotelreviews.cli.main import app

app()
