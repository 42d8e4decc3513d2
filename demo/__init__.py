"""All demo seeding: people, teams, analysed practice attempts, reviews, check-ins and
incidents for a first start (``DOJO_DEMO_MODE``)."""
