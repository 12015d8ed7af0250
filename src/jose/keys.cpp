// implemented by the JOSE core work (issue 2)
