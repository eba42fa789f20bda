"""`framing report`: batch output (JSONL or Parquet) in, one self-contained HTML page of corpus figures out.

`load` puts the analyses into DuckDB tables, `aggregate` turns them into plain figures, `charts` draws
them with Plotly and `page` writes the HTML. DuckDB and Plotly come with the `report` extra.
"""
