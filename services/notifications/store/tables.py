from sqlalchemy import MetaData

from shared.readmodel_tables import organisation_directory_table

metadata = MetaData()

organisation_directory = organisation_directory_table(metadata)
