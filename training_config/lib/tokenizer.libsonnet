// The tokenizer of a dataset: Jain & Wallace's preprocessing with the dataset's options.
function(d) { type: 'jain_wallace' }
  + (if d.split_on_spaces then { split_on_spaces: true } else {})
  + (if d.digit_token != 'qqq' then { digit_token: d.digit_token } else {})
