// The training techniques: each is `callbacks(dataset)`, the trainer callbacks it adds.
{
  vanilla: { callbacks(d):: [] },
}
