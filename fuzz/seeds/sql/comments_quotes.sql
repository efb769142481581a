-- leading comment
SELECT /* inline ; */ "Mixed Case", 'semi;colon', "q""uote" FROM "My Table"; -- trailing
